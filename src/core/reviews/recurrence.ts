/**
 * When the runs of a recurring review start: the start day, then every week, month, quarter,
 * half-year or year after it, at midnight in the definition's time zone. A month-end start
 * (the 31st) falls on each month's last day; each run is counted from the first, so it never drifts.
 */
import type { ReviewDefinition, ReviewRecurrence } from '../types.js';

const MONTHS: Readonly<Record<Exclude<ReviewRecurrence, 'once' | 'weekly'>, number>> = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 };

/** The offset of `timeZone` from UTC at `at`, in ms. */
function offsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at / 1000) * 1000;
}

/** Midnight of a calendar day in `timeZone`, as an instant. */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetMs(guess, timeZone);
  // Across a DST change the offset at the result can differ from the guess's.
  return new Date(guess - offsetMs(first, timeZone));
}

/** The start of run `k` (0 the first). */
export function runStart(d: Pick<ReviewDefinition, 'recurrence' | 'start' | 'timeZone'>, k: number): Date {
  const { year, month, day } = d.start;
  if (d.recurrence === 'once' || k === 0) return zonedMidnight(year, month, day, d.timeZone);
  if (d.recurrence === 'weekly') {
    const base = new Date(Date.UTC(year, month - 1, day + 7 * k));
    return zonedMidnight(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), d.timeZone);
  }
  const m = month - 1 + MONTHS[d.recurrence] * k;
  const y = year + Math.floor(m / 12);
  const mm = (m % 12) + 1;
  const last = new Date(Date.UTC(y, mm, 0)).getUTCDate();
  return zonedMidnight(y, mm, Math.min(day, last), d.timeZone);
}

/** The latest run started at or before `now` (not after the definition's end), or null when none has. */
export function currentRun(d: Pick<ReviewDefinition, 'recurrence' | 'start' | 'timeZone' | 'endAt'>, now: Date): { index: number; startsAt: Date } | null {
  let found: { index: number; startsAt: Date } | null = null;
  for (let k = 0; ; k++) {
    const s = runStart(d, k);
    if (s > now || (d.endAt && s > d.endAt)) break;
    found = { index: k, startsAt: s };
    if (d.recurrence === 'once') break;
  }
  return found;
}

/** The next run to start after `now`, or null when there is none. */
export function nextRun(d: Pick<ReviewDefinition, 'recurrence' | 'start' | 'timeZone' | 'endAt'>, now: Date): Date | null {
  const cur = currentRun(d, now);
  if (d.recurrence === 'once') return cur ? null : runStart(d, 0);
  const s = runStart(d, cur ? cur.index + 1 : 0);
  return d.endAt && s > d.endAt ? null : s;
}
