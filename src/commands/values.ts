/**
 * Readers for the typed values inside a command: durations, users and times.
 * Each returns the value or the sentence that says what was wrong with it.
 */
import { DAY, parseDuration } from '../core/index.js';

export type Read<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const fail = <T>(message: string): Read<T> => ({ ok: false, message });

/** A user named in a command, for the caller to resolve against the directory. */
export type UserRef =
  /** An e-mail or directory id, as typed. */
  | { kind: 'id'; id: string }
  /** A Slack user id from a `<@U123>` / `<@U123|name>` mention. */
  | { kind: 'slack'; id: string };

/** Longest duration accepted anywhere (100 years); policies set the real limits. */
const MAX_DURATION_MS = 36_500 * DAY;

export const DURATION_EXAMPLES = '30m, 1h, 1h30m or 2d';

/** A duration in milliseconds; `what` (e.g. `--for`) starts the message when there is one. */
export function readDuration(text: string, what?: string): Read<number> {
  const ms = parseDuration(text);
  const subject = what === undefined ? show(text) : `${what} ${show(text)}`;
  if (ms === null) return fail(`${subject} is not a duration; use e.g. ${DURATION_EXAMPLES}.`);
  if (ms > MAX_DURATION_MS) return fail(`${subject} is too long; the most is 36500d.`);
  // formatDuration shows whole seconds, so anything finer could not be echoed back faithfully.
  if (ms % 1000 !== 0) return fail(`${subject} is not a whole number of seconds; use e.g. ${DURATION_EXAMPLES}.`);
  return ok(ms);
}

const SLACK_MENTION = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/i;
const SLACK_MAILTO = /^<mailto:([^|>\s]+)(?:\|[^>]*)?>$/i;
const TEAMS_MENTION = /^<at>([^]*)<\/at>$/i;

/**
 * A `<user>` argument: e-mail or plain id (a leading `@` is dropped), a Slack mention or
 * mailto link, or a Teams `<at>Name</at>` mention the caller resolved in `mentions`
 * (keyed by the mention's text, e.g. `Alice`).
 */
export function readUser(text: string, mentions: Readonly<Record<string, UserRef>> = {}): Read<UserRef> {
  const t = text.trim();
  const slack = SLACK_MENTION.exec(t);
  if (slack) return ok({ kind: 'slack', id: (slack[1] as string).toUpperCase() });
  const mail = SLACK_MAILTO.exec(t);
  if (mail) return ok({ kind: 'id', id: mail[1] as string });
  const teams = TEAMS_MENTION.exec(t);
  if (teams) {
    const name = (teams[1] as string).trim();
    const ref = Object.hasOwn(mentions, name) ? mentions[name] : undefined;
    return ref ? ok(ref) : fail(`I can't tell who ${show(name)} is from the mention; use their e-mail, e.g. alice@example.com.`);
  }
  const id = t.startsWith('@') ? t.slice(1) : t;
  if (id.length === 0 || /[\s<>]/.test(id)) return fail(`${show(t)} is not a user; use an e-mail, an id or an @mention.`);
  return ok({ kind: 'id', id });
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An ISO-8601 date or instant; no zone means UTC. `time` says whether the time part is present. */
function readIso(text: string): { at: Date; time: boolean } | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const time = h !== undefined;
  if (!time && zone !== undefined) return null;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)] as const;
  const ms = Math.floor(Number(`0.${frac ?? '0'}`) * 1000);
  const base = new Date(Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], ms));
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  if (
    base.getUTCFullYear() !== parts[0] ||
    base.getUTCMonth() !== parts[1] ||
    base.getUTCDate() !== parts[2] ||
    base.getUTCHours() !== parts[3] ||
    base.getUTCMinutes() !== parts[4] ||
    base.getUTCSeconds() !== parts[5]
  ) {
    return null;
  }
  let offsetMin = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return null;
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  return { at: new Date(base.getTime() - offsetMin * 60_000), time };
}

const CLOCK = /^(\d{1,2}):(\d{2})$/;
const RELATIVE = /^\+(.+)$/;
const AT_EXAMPLES = '09:30 (UTC), +2h or 2026-11-24T09:00Z';

/**
 * A start time for `--at`: an ISO instant, `HH:MM` UTC (today, or tomorrow when that time has
 * passed) or `+<duration>` from now. Whether it is too early or too late is the core's check.
 */
export function readStartTime(text: string, now: Date): Read<Date> {
  const t = text.trim();
  const iso = readIso(t);
  if (iso?.time) return ok(iso.at);
  if (iso) return fail(`--at needs a time as well as a date, e.g. ${t}T09:00Z.`);
  if (!Number.isFinite(now.getTime())) {
    return fail(`--at ${show(t)} needs the current time, which I don't have; give a full time like 2026-11-24T09:00Z.`);
  }
  const rel = RELATIVE.exec(t);
  if (rel) {
    const d = readDuration(rel[1] as string);
    return d.ok ? ok(new Date(now.getTime() + d.value)) : fail(`--at takes a time like ${AT_EXAMPLES}, not ${show(t)}.`);
  }
  const clock = CLOCK.exec(t);
  if (clock) {
    const h = Number(clock[1]);
    const m = Number(clock[2]);
    if (h > 23 || m > 59) return fail(`--at ${show(t)} is not a time of day; use 00:00 to 23:59 (UTC).`);
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m);
    return ok(new Date(today > now.getTime() ? today : today + DAY));
  }
  return fail(`--at takes a time like ${AT_EXAMPLES}, not ${show(t)}.`);
}

/**
 * An end for `--until`: an ISO instant, or an ISO date meaning through the end of that day
 * (UTC), so `--until 2026-12-31` ends at 2027-01-01T00:00Z.
 */
export function readEndDate(text: string): Read<Date> {
  const iso = readIso(text);
  if (!iso) return fail(`--until takes a date like 2026-12-31 or 2026-12-31T18:00Z, not ${show(text)}.`);
  return ok(iso.time ? iso.at : new Date(iso.at.getTime() + DAY));
}

/**
 * A value quoted for a message, shortened so a long paste does not flood the reply. Quoted in
 * backticks, the one quoting style of every message: Slack shows it as code, Teams as plain text.
 */
export function show(text: string): string {
  return `\`${(text.length > 40 ? `${text.slice(0, 40)}…` : text).replace(/`/g, "'")}\``;
}
