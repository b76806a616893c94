/**
 * Characters chat input may not carry: C0 control characters other than tab and line breaks
 * (NUL, ESC, backspace, ...) and unpaired UTF-16 surrogates (half of an emoji).
 *
 * Why refuse rather than strip: PostgreSQL rejects NUL in text and both in jsonb, so such a
 * reason or request id would fail deep inside a transaction as an internal error; and control
 * characters that reached the audit trail or a terminal showing the logs could hide or rewrite
 * what is shown. Silently changing what someone typed is worse than telling them. The command
 * parser refuses them naming the character, and the platform edges (adapters/slack/guard.ts,
 * adapters/teams/http.ts) refuse every other field that carries one before anything is stored.
 */

export interface ForbiddenCharacter {
  /** 0-based index in the text (UTF-16 code units). */
  index: number;
  /** The character's code (a control character, or the lone surrogate). */
  code: number;
}

// With the `u` flag a surrogate pair is one code point, so only an unpaired half matches.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDFFF]/u;

const C0_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'TAB', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI',
  'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
];

/** The first character chat input may not carry, or null when there is none. */
export function findForbiddenCharacter(text: string): ForbiddenCharacter | null {
  const m = FORBIDDEN.exec(text);
  return m ? { index: m.index, code: text.charCodeAt(m.index) } : null;
}

/** `U+0000 (NUL)` for a control character; the code alone for a surrogate. */
function codeName(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = C0_NAMES[code];
  return name ? `${hex} (${name})` : hex;
}

/**
 * The sentence that says what was found and what to do: `subject` is what contains it
 * ("That command", "The reason").
 */
export function describeForbiddenCharacter(found: ForbiddenCharacter, subject = 'That command'): string {
  const what =
    found.code < 0x20
      ? `an invisible control character, ${codeName(found.code)}`
      : `a broken character, ${codeName(found.code)} (half of an emoji or symbol)`;
  return `${subject} contains ${what}, at character ${found.index + 1}. pimbot does not accept it: type the text again without it (such characters usually come from pasting).`;
}
