/**
 * Escaping for Microsoft Teams. Adaptive Card `TextBlock` and `FactSet` text is markdown, and
 * Teams also renders markdown and some HTML in a message's `text`. User text must not become a
 * link (`[x](http://evil)`), emphasis, or an `<at>` mention / HTML tag, so:
 *
 * - the markdown specials `\ [ ] * _ ~ `` ` are backslash-escaped (CommonMark escapes, which
 *   Teams' and the Adaptive Cards renderers' markdown honour). Parentheses are left alone: a link
 *   needs `[text]`, so with the brackets escaped `(url)` is inert, and times like `(in 45m)`,
 *   which nearly every card shows, stay free of backslashes;
 * - `<` is followed by a zero-width space (U+200B): a tag or `<at>` mention starts only with `<`
 *   and a letter or `/` right after it, so no parser sees one, and the reader sees the plain `<`
 *   (full-width lookalikes showed as boxes in fonts without them; an HTML entity might be shown
 *   raw or decoded back into a tag by a later stage). `>` is backslash-escaped in markdown (no
 *   block quote) and left alone elsewhere;
 * - `{{` becomes `{\u200B{` so typed `{{DATE(...)}}` / `{{TIME(...)}}` are not evaluated.
 *
 * `escapeTeamsPlain` is for places that do not render markdown (input labels, choice titles,
 * action titles): only `<` and `{{` are defused, so no backslashes show.
 */
export function escapeTeams(text: string): string {
  return escapeTeamsPlain(text.replace(/[\\`*_~[\]>]/g, '\\$&'));
}

export function escapeTeamsPlain(text: string): string {
  return text.replace(/</g, '<\u200B').replace(/\{\{/g, '{\u200B{');
}
