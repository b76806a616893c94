/**
 * The chat command grammar shared by Slack (`/pim …`), Teams (`pim …`, `@bot …`) and the
 * playground: text in, a typed `Command` or a `ParseError` a person can act on out.
 */
import { DAY, parseDuration } from '../core/index.js';
import { describeForbiddenCharacter, findForbiddenCharacter } from './characters.js';
import { helpEntries, USAGE } from './help.js';
import { COMMAND_NAMES, CommandSchema, type Command, type CommandName, type Reviewers } from './schema.js';
import { markupEnd, stripPrefix, tokenize, type Token, type WordToken } from './tokenize.js';
import { readDuration, readEndDate, readStartTime, readUser, show, type Read, type UserRef } from './values.js';

export interface ParseOptions {
  /** The current instant, for `--at 09:30` and `--at +2h`; the parser never reads the clock. */
  now: Date;
  /** Whether the commands suggested for an unknown one include the admin commands. */
  isAdmin?: boolean;
  /** Whether it lists the auditor commands (audit, alerts) to a non-admin. */
  isAuditor?: boolean;
  /** Teams `<at>Name</at>` mentions the adapter resolved from the activity, keyed by `Name`. */
  mentions?: Readonly<Record<string, UserRef>>;
}

/** Why text is not a command: one sentence, and the usage line to show with it. */
export interface ParseError {
  message: string;
  /** The usage line of the command meant (or the closest one), else that of `help`. */
  usage: string;
  /** The command meant, when the verb was recognised. */
  command?: CommandName;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ParseError };

/** Longer text is refused before any work is done on it. */
export const MAX_COMMAND_LENGTH = 4000;

type FlagKind = 'bool' | 'value' | 'text' | 'list';
type FlagValue = true | string | string[];

interface Args {
  pos: string[];
  flags: ReadonlyMap<string, FlagValue>;
}

interface Context {
  now: Date;
  mentions: Readonly<Record<string, UserRef>>;
}

interface Spec {
  /** As typed: `review start` for `review-start`. */
  verb: string;
  example: string;
  /** Required ones first; `what` completes "<verb> needs …". */
  positionals: { what: string; required: boolean }[];
  flags: Readonly<Record<string, FlagKind>>;
  build(a: Args, ctx: Context): Read<Record<string, unknown>>;
}

const FLAG_EXAMPLE: Readonly<Record<string, string>> = {
  scope: '--scope /subscriptions/prod',
  reason: '--reason "fixing INC-1234"',
  ticket: '--ticket INC-1234',
  at: '--at 09:30',
  code: '--code 123456',
  for: '--for 30d',
  until: '--until 2026-12-31',
  reviewers: '--reviewers approvers',
  duration: '--duration 14d',
  user: '--user alice@example.com',
  role: '--role Owner',
  since: '--since 7d',
};

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const fail = <T>(message: string): Read<T> => ({ ok: false, message });

const str = (a: Args, flag: string): string | undefined => {
  const v = a.flags.get(flag);
  return typeof v === 'string' ? v : undefined;
};

/** Reads an optional flag through `read`; absent flags give undefined. */
function optional<T>(value: string | undefined, read: (text: string) => Read<T>): Read<T | undefined> {
  return value === undefined ? ok(undefined) : read(value);
}

const ROLE = { what: 'a role', required: true };
const REQUEST_ID = { what: 'a request id', required: true };
const USER = { what: 'a user', required: true };
const REVIEW_ID = { what: 'a review id (like V-7K2Q9XA)', required: true };
const noArgs = (name: CommandName, verb: string = name): Spec => ({
  verb,
  example: verb,
  positionals: [],
  flags: {},
  build: () => ok({ name }),
});

const SPECS: Readonly<Record<CommandName, Spec>> = {
  help: {
    verb: 'help',
    example: 'help activate',
    positionals: [
      { what: 'a command', required: false },
      { what: 'a command', required: false },
    ],
    flags: {},
    build: (a) => {
      if (a.pos.length === 0) return ok({ name: 'help' });
      const topic = lookupVerb(a.pos.join(' '));
      if (!topic) return fail(`There is no command ${show(a.pos.join(' '))}. Try \`help\` for the list.`);
      return ok({ name: 'help', topic });
    },
  },
  roles: noArgs('roles'),
  status: noArgs('status'),
  activate: {
    verb: 'activate',
    example: 'activate Owner 1h',
    positionals: [ROLE, { what: 'a duration', required: false }],
    flags: { scope: 'value', reason: 'text', ticket: 'value', at: 'value', code: 'value' },
    build: (a, ctx) => {
      const [role = '', duration] = a.pos;
      const ms = optional(duration, (d) => withRoleHint(readDuration(d), 'activate', role, d));
      if (!ms.ok) return ms;
      const startAt = optional(str(a, 'at'), (t) => readStartTime(t, ctx.now));
      if (!startAt.ok) return startAt;
      return ok({
        name: 'activate',
        role,
        durationMs: ms.value,
        scope: str(a, 'scope'),
        reason: str(a, 'reason'),
        ticket: str(a, 'ticket'),
        startAt: startAt.value,
        mfaCode: str(a, 'code'),
      });
    },
  },
  deactivate: {
    verb: 'deactivate',
    example: 'deactivate Owner',
    positionals: [ROLE],
    flags: { scope: 'value' },
    build: (a) => ok({ name: 'deactivate', role: a.pos[0], scope: str(a, 'scope') }),
  },
  extend: {
    verb: 'extend',
    example: 'extend Owner 30m',
    positionals: [ROLE, { what: 'a duration', required: true }],
    flags: { scope: 'value', reason: 'text', ticket: 'value', code: 'value' },
    build: (a) => {
      const [role = '', duration = ''] = a.pos;
      const ms = withRoleHint(readDuration(duration), 'extend', role, duration);
      if (!ms.ok) return ms;
      return ok({
        name: 'extend',
        role,
        durationMs: ms.value,
        scope: str(a, 'scope'),
        reason: str(a, 'reason'),
        ticket: str(a, 'ticket'),
        mfaCode: str(a, 'code'),
      });
    },
  },
  requests: noArgs('requests'),
  cancel: {
    verb: 'cancel',
    example: 'cancel R-1234',
    positionals: [REQUEST_ID],
    flags: {},
    build: (a) => ok({ name: 'cancel', requestId: a.pos[0] }),
  },
  approvals: noArgs('approvals'),
  approve: {
    verb: 'approve',
    example: 'approve R-1234',
    positionals: [REQUEST_ID],
    flags: { reason: 'text', code: 'value' },
    build: (a) => ok({ name: 'approve', requestId: a.pos[0], reason: str(a, 'reason'), mfaCode: str(a, 'code') }),
  },
  deny: {
    verb: 'deny',
    example: 'deny R-1234 --reason "not during the freeze"',
    positionals: [REQUEST_ID],
    flags: { reason: 'text' },
    build: (a) => {
      const reason = str(a, 'reason');
      if (reason === undefined) return fail('deny needs a reason, e.g. deny R-1234 --reason "not during the freeze".');
      return ok({ name: 'deny', requestId: a.pos[0], reason });
    },
  },
  reviews: noArgs('reviews'),
  assign: {
    verb: 'assign',
    example: 'assign alice@example.com Owner --for 30d --reason "joins the on-call rota"',
    positionals: [USER, ROLE],
    flags: { scope: 'value', eligible: 'bool', active: 'bool', for: 'value', until: 'value', reason: 'text' },
    build: (a, ctx) => {
      if (a.flags.has('eligible') && a.flags.has('active')) return fail('Use --eligible or --active, not both.');
      if (a.flags.has('for') && a.flags.has('until')) return fail('Use --for or --until, not both.');
      const user = readUser(a.pos[0] ?? '', ctx.mentions);
      if (!user.ok) return user;
      const ms = optional(str(a, 'for'), (d) => readDuration(d, '--for'));
      if (!ms.ok) return ms;
      const until = optional(str(a, 'until'), readEndDate);
      if (!until.ok) return until;
      return ok({
        name: 'assign',
        user: user.value,
        role: a.pos[1],
        scope: str(a, 'scope'),
        type: a.flags.has('active') ? 'active' : 'eligible',
        durationMs: ms.value,
        until: until.value,
        reason: str(a, 'reason'),
      });
    },
  },
  remove: {
    verb: 'remove',
    example: 'remove alice@example.com Owner --reason "left the team"',
    positionals: [USER, ROLE],
    flags: { scope: 'value', reason: 'text' },
    build: (a, ctx) => {
      const user = readUser(a.pos[0] ?? '', ctx.mentions);
      if (!user.ok) return user;
      return ok({ name: 'remove', user: user.value, role: a.pos[1], scope: str(a, 'scope'), reason: str(a, 'reason') });
    },
  },
  'review-start': {
    verb: 'review start',
    example: 'review start Owner --reviewers approvers',
    positionals: [ROLE],
    flags: { scope: 'value', reviewers: 'list', duration: 'value', name: 'text', 'require-reason': 'bool' },
    build: (a, ctx) => {
      const list = a.flags.get('reviewers');
      if (!Array.isArray(list)) {
        return fail('review start needs --reviewers, e.g. review start Owner --reviewers approvers.');
      }
      const reviewers = readReviewers(list, ctx.mentions);
      if (!reviewers.ok) return reviewers;
      const days = optional(str(a, 'duration'), readDays);
      if (!days.ok) return days;
      return ok({
        name: 'review-start',
        role: a.pos[0],
        scope: str(a, 'scope'),
        reviewers: reviewers.value,
        durationDays: days.value,
        title: str(a, 'name'),
        ...(a.flags.has('require-reason') ? { requireReason: true } : {}),
      });
    },
  },
  'review-stop': {
    verb: 'review stop',
    example: 'review stop V-7K2Q9XA',
    positionals: [REVIEW_ID],
    flags: {},
    build: (a) => ok({ name: 'review-stop', reviewId: a.pos[0] }),
  },
  'review-apply': {
    verb: 'review apply',
    example: 'review apply V-7K2Q9XA',
    positionals: [REVIEW_ID],
    flags: {},
    build: (a) => ok({ name: 'review-apply', reviewId: a.pos[0] }),
  },
  'review-decide': {
    verb: 'review keep',
    example: 'review keep V-7K2Q9XA --reason "on call this quarter"',
    positionals: [REVIEW_ID, { what: 'a user', required: false }],
    flags: { role: 'value', scope: 'value', reason: 'text', decision: 'value' },
    build: (a, ctx) => {
      const decision = str(a, 'decision');
      if (decision !== 'keep' && decision !== 'remove') return fail('Say review keep or review remove, e.g. review keep V-7K2Q9XA --reason "on call this quarter".');
      const user = a.pos[1] === undefined ? ok(undefined) : readUser(a.pos[1], ctx.mentions);
      if (!user.ok) return user;
      return ok({ name: 'review-decide', decision, reviewId: a.pos[0], user: user.value, role: str(a, 'role'), scope: str(a, 'scope'), reason: str(a, 'reason') });
    },
  },
  'review-results': {
    verb: 'review results',
    example: 'review results V-7K2Q9XA --csv',
    positionals: [REVIEW_ID],
    flags: { csv: 'bool' },
    build: (a) => ok({ name: 'review-results', reviewId: a.pos[0], csv: a.flags.has('csv') }),
  },
  alerts: noArgs('alerts'),
  'alert-show': {
    verb: 'alert',
    example: 'alert A-7K2Q9XA',
    positionals: [{ what: 'alert id (like A-7K2Q9XA)', required: true }],
    flags: {},
    build: (a) => ok({ name: 'alert-show', alertId: a.pos[0] }),
  },
  'alert-dismiss': {
    verb: 'alert dismiss',
    example: 'alert dismiss A-7K2Q9XA --reason "service account, reviewed quarterly"',
    positionals: [{ what: 'alert id (like A-7K2Q9XA)', required: true }],
    flags: { reason: 'text' },
    build: (a) => {
      const reason = str(a, 'reason');
      if (reason === undefined) return fail('alert dismiss needs a reason, e.g. alert dismiss A-7K2Q9XA --reason "service account, reviewed quarterly".');
      return ok({ name: 'alert-dismiss', alertId: a.pos[0], reason });
    },
  },
  mfa: {
    verb: 'mfa',
    example: 'mfa enroll',
    positionals: [{ what: 'enroll', required: true }],
    flags: {},
    build: (a) => (a.pos[0]?.toLowerCase() === 'enroll' ? ok({ name: 'mfa', action: 'enroll' }) : fail(`mfa takes enroll, e.g. mfa enroll; got ${show(a.pos[0] ?? '')}.`)),
  },
  audit: {
    verb: 'audit',
    example: 'audit --user alice@example.com --since 7d',
    positionals: [],
    flags: { user: 'value', role: 'value', since: 'value', csv: 'bool' },
    build: (a, ctx) => {
      const user = optional(str(a, 'user'), (u) => readUser(u, ctx.mentions));
      if (!user.ok) return user;
      const since = optional(str(a, 'since'), (d) => readDuration(d, '--since'));
      if (!since.ok) return since;
      return ok({ name: 'audit', user: user.value, role: str(a, 'role'), sinceMs: since.value, csv: a.flags.has('csv') });
    },
  },
  'audit-verify': noArgs('audit-verify', 'audit verify'),
};

/**
 * Parses chat text into a command. Leading `/pim`, `pim`, `@bot`, `<@UBOT>` and Teams
 * `<at>bot</at>` are dropped; empty text is `help`. Never throws.
 */
export function parseCommand(text: string, opts: ParseOptions): ParseResult {
  // A refusal that names no command points at `help`, one line, rather than pasting the whole list.
  const general = (): string => USAGE.help;
  try {
    return parse(text, opts, general);
  } catch {
    // Unreachable by design; a refusal is better than a crashed handler if it ever is not.
    return { ok: false, error: { message: 'I could not read that command; please rephrase it.', usage: general() } };
  }
}

function parse(text: string, opts: ParseOptions, general: () => string): ParseResult {
  if (typeof text !== 'string') return refuse('I could not read that command; please rephrase it.', general());
  if (text.length > MAX_COMMAND_LENGTH) {
    return refuse(`That command is too long; keep it under ${MAX_COMMAND_LENGTH} characters.`, general());
  }
  const forbidden = findForbiddenCharacter(text);
  if (forbidden) {
    const meant = lookupVerb(stripPrefix(text).split(/\s/, 1)[0] ?? '');
    const message = describeForbiddenCharacter(forbidden);
    return meant ? refuse(message, USAGE[meant], meant) : refuse(message, general());
  }
  const stripped = stripPrefix(text);
  const tokenized = tokenize(stripped);
  if (!tokenized.ok) {
    const meant = lookupVerb(stripped.split(/\s/, 1)[0] ?? '');
    return meant ? refuse(tokenized.message, USAGE[meant], meant) : refuse(tokenized.message, general());
  }
  const [first, ...rest] = tokenized.tokens;
  if (first === undefined) return accept({ name: 'help' }, 'help');
  if (first.kind === 'flag') {
    if (first.name === 'help' || first.name === 'h') return accept({ name: 'help' }, 'help');
    return refuse(`Start with what to do, e.g. activate Owner 1h; --${first.name} is an option, not a command.`, general());
  }

  const word = first.text.toLowerCase();
  let name: CommandName | undefined = word === 'review' ? undefined : lookupVerb(word);
  let args = rest;
  if (word === 'alert') {
    const next = rest[0];
    if (next?.kind === 'word' && next.text.toLowerCase() === 'dismiss') {
      name = 'alert-dismiss';
      args = rest.slice(1);
    } else if (next === undefined) {
      name = 'alerts';
    } else if (next.kind === 'word' && /^A-[0-9A-Z]+$/i.test(next.text)) {
      name = 'alert-show';
    } else if (!hasHelpFlag(rest)) {
      return refuse('alert needs an alert id or dismiss, e.g. alert A-7K2Q9XA (what it is about) or alert dismiss A-7K2Q9XA --reason "why"; alerts lists the open ones.', USAGE['alert-dismiss'], 'alert-dismiss');
    } else {
      name = 'alert-dismiss';
    }
  }
  if (word === 'audit' && rest[0]?.kind === 'word' && rest[0].text.toLowerCase() === 'verify') {
    name = 'audit-verify';
    args = rest.slice(1);
  }
  if (word === 'review') {
    const next = rest[0];
    const sub = next?.kind === 'word' ? REVIEW_VERBS.get(next.text.toLowerCase()) : undefined;
    const said = next?.kind === 'word' ? next.text.toLowerCase() : '';
    if (said === 'keep' || said === 'remove') {
      // The decision rides as a flag the user never types: `review keep …` and `review remove …` share one spec.
      name = 'review-decide';
      args = [...rest.slice(1), { kind: 'flag', name: 'decision', value: { kind: 'word', text: said, quoted: false } }];
    } else if (sub) {
      name = sub;
      args = rest.slice(1);
    } else if (next === undefined) {
      return refuse(
        'Say reviews to see the reviews waiting for you, or review start <role> --reviewers approvers to start one.',
        USAGE['review-start'],
        'review-start',
      );
    } else if (!hasHelpFlag(rest)) {
      return refuse(
        'review needs start, stop, apply, results, keep or remove, e.g. review start Owner --reviewers approvers.',
        USAGE['review-start'],
        'review-start',
      );
    } else {
      name = 'review-start';
    }
  }
  if (name === undefined) {
    const close = closest(word, opts.isAdmin === true, opts.isAuditor === true);
    const also = close.length ? ` Closest: ${close.map((n) => `\`${SPECS[n].verb}\``).join(', ')}.` : '';
    return refuse(`Unknown command ${show(first.text)}. Try \`help\`.${also}`, close[0] ? USAGE[close[0]] : USAGE.help);
  }
  if (hasHelpFlag(args)) return accept({ name: 'help', topic: name }, name);

  const spec = SPECS[name];
  const split = splitArgs(spec, args);
  if (!split.ok) return refuse(split.message, USAGE[name], name);
  const built = spec.build(split.value, { now: opts.now, mentions: opts.mentions ?? {} });
  if (!built.ok) return refuse(built.message, name === 'help' ? general() : USAGE[name], name);
  return accept(built.value, name);
}

function accept(candidate: Record<string, unknown>, name: CommandName): ParseResult {
  const checked = CommandSchema.safeParse(dropUndefined(candidate));
  if (checked.success) return { ok: true, command: checked.data };
  return refuse(`I could not read that ${name} command; check it against the usage.`, USAGE[name], name);
}

function refuse(message: string, usage: string, command?: CommandName): ParseResult {
  return { ok: false, error: command === undefined ? { message, usage } : { message, usage, command } };
}

/** Splits the words after the verb into positionals and flags, checking both against `spec`. */
function splitArgs(spec: Spec, tokens: readonly Token[]): Read<Args> {
  const pos: WordToken[] = [];
  const flags = new Map<string, FlagValue>();
  const wordAt = (k: number): WordToken | undefined => {
    const t = tokens[k];
    return t?.kind === 'word' ? t : undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'word') {
      pos.push(t);
      continue;
    }
    const label = `--${t.name}`;
    const kind = Object.hasOwn(spec.flags, t.name) ? spec.flags[t.name] : undefined;
    if (kind === undefined) return fail(`Unknown option ${label} for ${spec.verb}.`);
    if (flags.has(t.name)) return fail(`${label} is given twice; give it once.`);
    if (kind === 'bool') {
      if (t.value !== undefined) return fail(`${label} takes no value; write just ${label}.`);
      flags.set(t.name, true);
      continue;
    }
    let head = t.value;
    if (head === undefined && wordAt(i + 1)) head = wordAt(++i);
    if (head === undefined || head.text.trim() === '') {
      return fail(`${label} needs a value, e.g. ${FLAG_EXAMPLE[t.name] ?? `${label} <value>`}.`);
    }
    const words = [head];
    // A list, or an unquoted reason, runs on to the next option: --reason fixing the build.
    if (kind === 'list' || (kind === 'text' && !head.quoted)) {
      for (let w = wordAt(i + 1); w; w = wordAt(i + 1)) {
        words.push(w);
        i++;
      }
    }
    if (kind === 'list') {
      const items = words.flatMap((w) => splitList(w.text));
      if (items.length === 0) return fail(`${label} needs a value, e.g. ${FLAG_EXAMPLE[t.name] ?? `${label} <value>`}.`);
      flags.set(t.name, items);
    } else {
      flags.set(t.name, words.map((w) => w.text.trim()).join(' '));
    }
  }

  const texts = pos.map((w) => w.text.trim());
  for (const [k, p] of spec.positionals.entries()) {
    if (p.required && (texts[k] ?? '') === '') return fail(`${spec.verb} needs ${p.what}, e.g. ${spec.example}.`);
  }
  const extra = texts[spec.positionals.length];
  if (extra !== undefined) return fail(tooMany(spec, texts, extra));
  return ok({ pos: texts, flags });
}

function tooMany(spec: Spec, texts: string[], extra: string): string {
  if (spec.positionals.length === 0) return `${spec.verb} takes nothing after it; remove ${show(extra)}.`;
  if (spec.positionals.includes(ROLE)) {
    const roleAt = spec.positionals.indexOf(ROLE);
    const tail = texts.slice(roleAt);
    const role = tail.filter((w) => parseDuration(w) === null).join(' ');
    const example = [spec.verb, ...texts.slice(0, roleAt), `"${role}"`, ...tail.filter((w) => parseDuration(w) !== null)];
    return `${show(extra)} is one word too many for ${spec.verb}; quote a role name with spaces, e.g. ${example.join(' ')}.`;
  }
  return `${show(extra)} is one word too many for ${spec.verb}; put text with spaces in quotes.`;
}

/** Adds the "quote a role with spaces" hint when the word after the role is not a duration. */
function withRoleHint(read: Read<number>, verb: string, role: string, word: string): Read<number> {
  if (read.ok || /^[\d.+]/.test(word)) return read;
  return fail(`${show(word)} is not a duration like 1h or 30m; if ${show(`${role} ${word}`)} is one role, quote it: ${verb} "${role} ${word}".`);
}

/** Splits `a,b` lists on commas outside `<…>` mentions (a Teams name may hold a comma). */
function splitList(text: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '<') {
      const end = markupEnd(text, i);
      if (end > i) i = end - 1;
    } else if (c === ',') {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

function readReviewers(items: string[], mentions: Readonly<Record<string, UserRef>>): Read<Reviewers> {
  const words = items.map((s) => s.toLowerCase());
  if (words.length === 1 && (words[0] === 'self' || words[0] === 'approvers')) {
    return ok({ kind: words[0] });
  }
  if (words.includes('self') || words.includes('approvers')) {
    return fail('--reviewers takes self, approvers or a list of users, not a mix.');
  }
  const users: UserRef[] = [];
  for (const item of items) {
    const u = readUser(item, mentions);
    if (!u.ok) return fail(`--reviewers: ${u.message}`);
    users.push(u.value);
  }
  return ok({ kind: 'users', users });
}

function readDays(text: string): Read<number> {
  const ms = readDuration(text, '--duration');
  if (!ms.ok) return ms;
  if (ms.value % DAY !== 0) return fail(`--duration takes whole days, e.g. ${FLAG_EXAMPLE.duration}.`);
  return ok(ms.value / DAY);
}

function hasHelpFlag(tokens: readonly Token[]): boolean {
  return tokens.some((t) => t.kind === 'flag' && (t.name === 'help' || t.name === 'h') && t.value === undefined);
}

/** The words after `review`. */
const REVIEW_VERBS: ReadonlyMap<string, CommandName> = new Map([
  ['start', 'review-start'],
  ['stop', 'review-stop'],
  ['apply', 'review-apply'],
  ['results', 'review-results'],
]);

/** A verb (or `review start`) as typed, case-insensitively; `review-start` is accepted too. */
function lookupVerb(text: string): CommandName | undefined {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === 'review start' || t === 'review') return 'review-start';
  if (t === 'audit verify') return 'audit-verify';
  const sub = t.startsWith('review ') ? REVIEW_VERBS.get(t.slice(7)) : undefined;
  if (sub) return sub;
  return (COMMAND_NAMES as readonly string[]).includes(t) ? (t as CommandName) : undefined;
}

/**
 * The commands closest to an unknown word (at most three, nearest first): within two edits, or
 * starting with it; only those the person may use.
 */
function closest(word: string, isAdmin: boolean, isAuditor: boolean): CommandName[] {
  if (word.length > 20) return [];
  const allowed = new Set(helpEntries(isAdmin, isAuditor).map((e) => e.usage));
  const near: { name: CommandName; d: number }[] = [];
  for (const name of COMMAND_NAMES) {
    if (!allowed.has(USAGE[name])) continue;
    const verb = SPECS[name].verb;
    const d = editDistance(word, verb);
    if (d <= 2) near.push({ name, d });
    else if (word.length >= 3 && verb.startsWith(word)) near.push({ name, d: 3 });
  }
  return near.sort((a, b) => a.d - b.d).slice(0, 3).map((x) => x.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

