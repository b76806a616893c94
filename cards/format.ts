/**
 * Platform-neutral text helpers: times in the reader's zone, relative times, clipping. Nothing
 * here escapes; each renderer escapes what it puts into its markup.
 */
import { DAY, formatDuration, HOUR, MINUTE } from '../src/core/index.js';
import type { RenderContext } from './model.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      // An unknown zone must not break a message; config validation reports it.
      return formatterFor('UTC');
    }
    formatters.set(timeZone, f);
  }
  return f;
}

interface Parts {
  weekday: string;
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
  timeZoneName: string;
}

function parts(d: Date, timeZone: string): Parts {
  const out: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(d)) out[p.type] = p.value;
  return out as unknown as Parts;
}

const toDate = (t: string | Date): Date => (typeof t === 'string' ? new Date(t) : t);

/**
 * An instant as a person reads it in the context's zone: `14:32 CEST` today, `Tue 3 Jun, 14:32
 * CEST` within the year, `3 Jun 2026, 14:32 CEST` otherwise.
 */
export function formatTime(t: string | Date, ctx: RenderContext): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = parts(d, ctx.timeZone);
  const n = parts(ctx.now, ctx.timeZone);
  const clock = `${p.hour}:${p.minute} ${p.timeZoneName}`;
  if (p.year === n.year && p.month === n.month && p.day === n.day) return clock;
  if (p.year === n.year) return `${p.weekday} ${p.day} ${p.month}, ${clock}`;
  return `${p.day} ${p.month} ${p.year}, ${clock}`;
}

/** An instant with its day always: `Tue 3 Jun, 14:32 CEST` (and the year when not this one). */
export function formatDayTime(t: string | Date, ctx: RenderContext): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = parts(d, ctx.timeZone);
  return `${formatDay(d, ctx)}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** The calendar day of an instant in the context's zone: `Tue 3 Jun`, or `Tue 3 Jun 2024` in another year. */
export function formatDay(t: string | Date, ctx: RenderContext): string {
  const d = toDate(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = parts(d, ctx.timeZone);
  const n = parts(ctx.now, ctx.timeZone);
  return `${p.weekday} ${p.day} ${p.month}${p.year === n.year ? '' : ` ${p.year}`}`;
}

/** How far an instant is from now: `in 45m`, `in 2d3h`, `10m ago`, `now`. */
export function formatRelative(t: string | Date, ctx: RenderContext): string {
  const diff = toDate(t).getTime() - ctx.now.getTime();
  const abs = Math.abs(diff);
  if (Number.isNaN(abs)) return '';
  if (abs < MINUTE) return 'now';
  const rounded = abs >= DAY ? Math.round(abs / HOUR) * HOUR : Math.round(abs / MINUTE) * MINUTE;
  const text = formatDuration(rounded);
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** `14:32 CEST (in 45m)`. */
export function formatWhen(t: string | Date, ctx: RenderContext): string {
  return `${formatTime(t, ctx)} (${formatRelative(t, ctx)})`;
}

/** `until 14:32 CEST (in 45m)`, or `permanently` for no end. */
export function formatUntil(t: string | null, ctx: RenderContext): string {
  return t === null ? 'permanently' : `until ${formatWhen(t, ctx)}`;
}

export { formatDuration };

/** `1 role`, `3 roles`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Shortens text to at most `max` UTF-16 units, ending with `…`. Never splits a surrogate pair,
 * and never splits an HTML entity (`&amp;`) so escaped text stays escaped.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  const head = text.slice(0, cut);
  const entity = /&[a-zA-Z#0-9]{0,8}$/.exec(head);
  return `${entity ? head.slice(0, entity.index) : head}…`;
}

/** Collapses line breaks and runs of spaces: for one-line summaries and labels. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Request states as words. */
export const STATE_WORDS: Record<string, string> = {
  pending_approval: 'waiting for approval',
  approved: 'approved',
  scheduled: 'scheduled',
  active: 'active',
  expired: 'expired',
  deactivated: 'deactivated',
  revoked: 'revoked',
  denied: 'denied',
  canceled: 'canceled',
  timed_out: 'timed out',
  failed: 'failed',
  completed: 'completed',
};
