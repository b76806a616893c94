/** Text as Slack sends it. */

/**
 * Slack sends `&`, `<` and `>` typed by the user as `&amp;`, `&lt;` and `&gt;` in slash command
 * text; real mentions arrive as `<@U…|name>`. The core stores what the user typed, so this undoes
 * Slack's escaping (cards escape again whenever the text is shown).
 */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
