/**
 * Escaping for Slack. Every piece of text that may hold something a user typed goes through
 * `escapeSlack` before it lands in a `mrkdwn` or `plain_text` object, so `<!channel>`, `<@U123>`
 * and `<http://x|label>` typed by a user are shown as text and never parsed. Only `&`, `<` and
 * `>` are control characters in Slack's markup; `*`, `_`, `~` and backticks can change how a
 * line looks but cannot mention anyone or make a link, so they are left alone (see docs/ARCHITECTURE.md, "Rules the code keeps").
 * Renderers also set `verbatim: true` on mrkdwn so bare URLs and channel names are not linked.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
