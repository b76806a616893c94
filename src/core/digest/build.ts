/**
 * The weekly digest (Entra PIM's weekly summary), built from what the database holds: a pure
 * function of the week's assignments, the current ones and the open requests. The Pim service
 * reads those in one transaction and delivers the result; cards render it for Slack and Teams.
 */
import type { Directory } from '../directory.js';
import { DAY } from '../duration.js';
import type { DigestView } from '../notices.js';
import type { Assignment, PimRequest } from '../types.js';
import { assignmentView, personView } from '../views.js';

/** How far back the digest looks, and how far ahead "ending soon" reaches. */
export const DIGEST_PERIOD_MS = 7 * DAY;

/** How many entries each list of the view model keeps (totals are always exact). */
export const DIGEST_LIST_MAX = { topUsers: 5, madePermanent: 20, endingSoon: 20 } as const;

export interface DigestInput {
  now: Date;
  /** IANA zone the week is counted in (the digest's schedule runs in it). */
  timeZone: string;
  /** Assignments created in the week before `now`, ended or not. */
  created: Assignment[];
  /** Assignments current at `now`. */
  current: Assignment[];
  /** Requests waiting for approval. */
  pending: PimRequest[];
  directory: Directory;
  /** Open security alerts; absent: not tracked (shown as such). */
  openAlerts?: number;
  /** Access-review items of open reviews still unanswered; absent: not tracked. */
  pendingReviewItems?: number;
}

/**
 * ISO 8601 week (`2030-W02`) of the calendar day `at` falls on in `timeZone`. The digest's
 * dedupe key: one digest per week, however many replicas or runs.
 */
export function isoWeek(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const day = new Date(Date.UTC(get('year'), get('month') - 1, get('day')));
  // The ISO week is the one holding this week's Thursday; its year is that Thursday's year.
  const weekday = day.getUTCDay() || 7;
  const thursday = new Date(day.getTime() + (4 - weekday) * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const isActivation = (a: Assignment): boolean => a.type === 'active' && a.requestId !== null;

/** Counts per key, largest first, ties by key. */
function tally<T>(items: T[], key: (x: T) => string): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const x of items) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  return [...counts.entries()].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** The digest for the week ending at `now`. */
export function buildDigest(input: DigestInput): DigestView {
  const { now, directory } = input;
  const from = new Date(now.getTime() - DIGEST_PERIOD_MS);
  const horizon = now.getTime() + DIGEST_PERIOD_MS;
  const inWeek = input.created.filter((a) => a.createdAt.getTime() >= from.getTime() && a.createdAt.getTime() < now.getTime());
  const activations = inWeek.filter(isActivation);
  const permanent = inWeek.filter((a) => a.endsAt === null && a.requestId === null);
  const endingSoon = input.current
    .filter((a) => !isActivation(a) && a.endsAt !== null && a.endsAt.getTime() > now.getTime() && a.endsAt.getTime() <= horizon)
    .sort((a, b) => (a.endsAt as Date).getTime() - (b.endsAt as Date).getTime() || a.id.localeCompare(b.id));
  const oldest = input.pending.reduce<Date | null>((o, r) => (o === null || r.createdAt < o ? r.createdAt : o), null);
  return {
    week: isoWeek(now, input.timeZone),
    from: from.toISOString(),
    to: now.toISOString(),
    activations: {
      total: activations.length,
      byRole: tally(activations, (a) => a.role).map(({ key, count }) => ({ role: key, count })),
      topUsers: tally(activations, (a) => a.principalId)
        .slice(0, DIGEST_LIST_MAX.topUsers)
        .map(({ key, count }) => ({ user: personView(directory, key), count })),
    },
    madePermanent: { total: permanent.length, items: permanent.slice(0, DIGEST_LIST_MAX.madePermanent).map((a) => assignmentView(directory, a)) },
    assignments: {
      eligible: input.current.filter((a) => a.type === 'eligible').length,
      active: input.current.filter((a) => a.type === 'active').length,
      activations: input.current.filter(isActivation).length,
      permanent: input.current.filter((a) => a.endsAt === null).length,
    },
    endingSoon: { total: endingSoon.length, items: endingSoon.slice(0, DIGEST_LIST_MAX.endingSoon).map((a) => assignmentView(directory, a)) },
    pendingRequests: { total: input.pending.length, oldest: oldest?.toISOString() ?? null },
    pendingReviews: input.pendingReviewItems ?? null,
    openAlerts: input.openAlerts ?? null,
  };
}
