/**
 * Escaping for Microsoft Teams. Adaptive Card `TextBlock` and `FactSet` text is markdown, and
 * Teams also renders markdown and some HTML in a message's `text`. User text must not become a
 * link (`[x](http://evil)`), emphasis, or an `<at>` mention / HTML tag, so:
 *
 * - the markdown specials `\ [ ] * _ ~ `` ` are backslash-escaped (CommonMark escapes, which
 *   Teams' and the Adaptive Cards renderers' markdown honour). Parentheses are left alone: a link
 *   needs `[text]`, so with the brackets escaped `(url)` is inert, and times like `(in 45m)`,
 *   which nearly every card shows, stay free of backslashes;
 * - `<` and `>` become the full-width lookalikes `＜` (U+FF1C) and `＞` (U+FF1E): no parser sees a
 *   tag, and the reader still sees the character, where an HTML entity might be shown raw or be
 *   decoded back into a tag by a later stage;
 * - `{{` becomes `{\u200B{` so typed `{{DATE(...)}}` / `{{TIME(...)}}` are not evaluated.
 *
 * `escapeTeamsPlain` is for places that do not render markdown (input labels, choice titles,
 * action titles): only the angle brackets are replaced, so no backslashes show.
 */
export function escapeTeams(text: string): string {
  return escapeTeamsPlain(text.replace(/[\\`*_~[\]]/g, '\\$&'));
}

export function escapeTeamsPlain(text: string): string {
  return text.replace(/</g, '\uFF1C').replace(/>/g, '\uFF1E').replace(/\{\{/g, '{\u200B{');
}
