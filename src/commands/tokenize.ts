/**
 * Splits chat text into words and flags, forgiving what Slack, Teams and autocorrect do to it:
 * smart quotes, `—reason` for `--reason`, `--flag=value`, HTML entities and `<…>` markup
 * (`<@U123|alice>`, `<at>Alice</at>`, `<mailto:…>`) that must stay one word.
 */

export interface WordToken {
  kind: 'word';
  text: string;
  /** Written in quotes: never a flag, and taken whole as a `--reason`. */
  quoted: boolean;
}

export interface FlagToken {
  kind: 'flag';
  /** Lower-cased name without dashes: `--Reason` and `—reason` give `reason`. */
  name: string;
  /** The value written as `--flag=value`, if any. */
  value?: WordToken;
}

export type Token = WordToken | FlagToken;

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; message: string };

const DOUBLE_QUOTES = new Set(['"', '\u201C', '\u201D', '\u201E', '\u201F']);
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);
const SPACE = /\s/;
// `--x`, and the `—x` / `–x` autocorrect makes of it; a dash followed by no letter is a word.
const FLAG_START = /^(?:[-\u2013\u2014]{2}|[\u2013\u2014])(?=\p{L})/u;
const FLAG_NAME = /^[^\s=]*/;

/** Teams bot mention, Slack app mention, a typed `@name`, then an optional `pim` / `/pim`. */
const LEADING_MENTIONS = [/^<at>[^]*?<\/at>/i, /^<@[A-Z0-9]+(?:\|[^>]*)?>/i, /^@\S+/];
const LEADING_PIM = /^\/?pim(?=\s|$)/i;

/** Removes what addresses the bot rather than saying what to do. */
export function stripPrefix(text: string): string {
  let t = text.trim();
  for (const re of LEADING_MENTIONS) {
    const m = re.exec(t);
    if (m) {
      t = t.slice(m[0].length).trimStart();
      break;
    }
  }
  const pim = LEADING_PIM.exec(t);
  if (pim) t = t.slice(pim[0].length).trimStart();
  return t;
}

/** Entities Teams uses for characters that then take part in tokenizing. */
function decodeBeforeSplit(text: string): string {
  return text
    .replace(/&nbsp;|\u00A0/gi, ' ')
    .replace(/&quot;/gi, '"')
    .replace(/&#0*39;|&apos;/gi, "'");
}

/** Slack escapes only these three; `&amp;` last so `&amp;lt;` stays a literal `&lt;`. */
function decodeWord(text: string): string {
  return text.replace(/&lt;/gi, '<').replace(/&gt;/gi, '>').replace(/&amp;/gi, '&');
}

export function tokenize(input: string): TokenizeResult {
  const text = decodeBeforeSplit(input);
  const n = text.length;
  const tokens: Token[] = [];
  let i = 0;

  /** Reads the word starting at `at`; a quote only opens at the start of a word. */
  const readWord = (at: number): { ok: true; word: WordToken; next: number } | { ok: false; message: string } => {
    const first = text.charAt(at);
    const quotes = DOUBLE_QUOTES.has(first) ? DOUBLE_QUOTES : SINGLE_QUOTES.has(first) ? SINGLE_QUOTES : null;
    if (quotes) {
      // A closing quote is one followed by a space or the end, so `'don't panic'` stays whole.
      for (let j = at + 1; j < n; j++) {
        if (quotes.has(text.charAt(j)) && (j + 1 === n || SPACE.test(text.charAt(j + 1)))) {
          return { ok: true, word: { kind: 'word', text: decodeWord(text.slice(at + 1, j)), quoted: true }, next: j + 1 };
        }
      }
      if (quotes === DOUBLE_QUOTES) {
        return { ok: false, message: `The quote before ${preview(text.slice(at + 1))} is never closed; add the closing ".` };
      }
      // An unmatched single quote is an apostrophe (’cause, 'til): read it as part of a plain word.
    }
    let j = at;
    while (j < n && !SPACE.test(text.charAt(j))) {
      if (text.charAt(j) === '<') {
        const close = markupEnd(text, j);
        if (close > j) {
          j = close;
          continue;
        }
      }
      j++;
    }
    return { ok: true, word: { kind: 'word', text: decodeWord(text.slice(at, j)), quoted: false }, next: j };
  };

  while (i < n) {
    if (SPACE.test(text.charAt(i))) {
      i++;
      continue;
    }
    const rest = text.slice(i, i + 64);
    const dash = FLAG_START.exec(rest);
    if (dash) {
      const nameStart = i + dash[0].length;
      const name = (FLAG_NAME.exec(text.slice(nameStart, nameStart + 64)) ?? [''])[0];
      i = nameStart + name.length;
      const flag: FlagToken = { kind: 'flag', name: name.toLowerCase() };
      if (text.charAt(i) === '=') {
        i++;
        if (i >= n || SPACE.test(text.charAt(i))) {
          flag.value = { kind: 'word', text: '', quoted: false };
        } else {
          const w = readWord(i);
          if (!w.ok) return w;
          flag.value = w.word;
          i = w.next;
        }
      }
      tokens.push(flag);
      continue;
    }
    const w = readWord(i);
    if (!w.ok) return w;
    tokens.push(w.word);
    i = w.next;
  }
  return { ok: true, tokens };
}

/** End (exclusive) of `<at>…</at>` or `<…>` starting at `at`; `at` when there is none. */
export function markupEnd(text: string, at: number): number {
  if (text.slice(at, at + 4).toLowerCase() === '<at>') {
    const close = text.toLowerCase().indexOf('</at>', at + 4);
    return close < 0 ? at : close + 5;
  }
  const close = text.indexOf('>', at + 1);
  return close < 0 ? at : close + 1;
}

function preview(text: string): string {
  const words = text.trim().split(/\s+/).slice(0, 3).join(' ');
  return `\`${(words.length > 30 ? `${words.slice(0, 30)}…` : words).replace(/`/g, "'")}\``;
}
