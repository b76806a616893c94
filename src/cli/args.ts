/** Command-line arguments: simple flags for the CLI's own commands, and shell words back into chat text. */

/** Bad usage: printed with the command's usage line, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage line to show with it. */
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagSpec = Readonly<Record<string, 'bool' | 'value'>>;

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/**
 * Splits `args` into positionals and the flags `spec` allows (`--name value`, `--name=value`,
 * `--bool`). Anything else that starts with `--` is refused, naming it.
 */
export function parseArgs(args: readonly string[], spec: FlagSpec, usage: string): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).toLowerCase();
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!kind) throw new UsageError(`unknown option --${name}`, usage);
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`, usage);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`, usage);
      flags.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value.trim() === '') throw new UsageError(`--${name} needs a value`, usage);
    flags.set(name, value);
  }
  return { positionals, flags };
}

/** Removes `--<name> <value>` / `--<name>=<value>` from `args`; returns its value and the rest. */
export function takeOption(args: readonly string[], name: string, usage: string): { value: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const lower = arg.toLowerCase();
    let v: string | undefined;
    if (lower === `--${name}`) {
      v = args[++i];
      if (v === undefined || v.trim() === '') throw new UsageError(`--${name} needs a value`, usage);
    } else if (lower.startsWith(`--${name}=`)) {
      v = arg.slice(name.length + 3);
    } else {
      rest.push(arg);
      continue;
    }
    if (value !== undefined) throw new UsageError(`--${name} is given twice`, usage);
    value = v.trim();
  }
  return { value, rest };
}

const DOUBLE = '"\u201C\u201D\u201E\u201F';
const SINGLE = "'\u2018\u2019\u201A\u201B";
const STARTS_QUOTED = new RegExp(`^[${DOUBLE}${SINGLE}]`);
const FLAG_WITH_VALUE = /^(--[^\s=]+=)([^]*)$/;

/**
 * Joins shell words into the chat text `parseCommand` reads as those same words: a word with
 * spaces (a reason, a role name) is quoted so it stays one word. The chat grammar closes a quote
 * at a quote mark followed by a space, so the quote chosen is one the word does not close.
 */
export function toCommandText(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  const flag = FLAG_WITH_VALUE.exec(word);
  if (flag) return `${flag[1]}${flag[2] === '' ? '' : quoteWord(flag[2] as string)}`;
  if (word !== '' && !/\s/.test(word) && !STARTS_QUOTED.test(word)) return word;
  for (const [open, set] of [['"', DOUBLE], ["'", SINGLE]] as const) {
    if (!new RegExp(`[${set}]\\s`).test(word)) return `${open}${word}${open}`;
  }
  throw new UsageError(`cannot pass ${JSON.stringify(word)}: it holds both kinds of quote followed by a space`);
}
