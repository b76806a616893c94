import { describe, expect, it } from 'vitest';
import { buildDigest, DIGEST_LIST_MAX, isoWeek } from '../../../../src/core/digest/build.js';
import { Directory } from '../../../../src/core/directory.js';
import type { Assignment, PimRequest } from '../../../../src/core/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 7 January 2030, 09:00 UTC. */
const NOW = new Date('2030-01-07T09:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const ahead = (ms: number) => new Date(NOW.getTime() + ms);

const directory = new Directory(
  [
    { id: 'alice@example.com', name: 'Alice', kind: 'user' },
    { id: 'bob@example.com', name: 'Bob', kind: 'user' },
  ],
  [],
  ['erin@example.com'],
);

let n = 0;
function assignment(over: Partial<Assignment>): Assignment {
  n++;
  return {
    id: `A${String(n).padStart(3, '0')}`,
    principalId: 'alice@example.com',
    role: 'Owner',
    scope: '/',
    type: 'eligible',
    startsAt: ago(DAY),
    endsAt: null,
    requestId: null,
    createdBy: 'erin@example.com',
    createdAt: ago(DAY),
    endedAt: null,
    endReason: null,
    warnedAt: null,
    warned14dAt: null,
    warned1dAt: null,
    ...over,
  };
}
const activation = (principalId: string, role: string, createdAt: Date): Assignment =>
  assignment({ principalId, role, type: 'active', requestId: `R${n}`, createdAt, startsAt: createdAt, endsAt: new Date(createdAt.getTime() + HOUR), endedAt: new Date(createdAt.getTime() + HOUR), endReason: 'expired' });

const pending = (createdAt: Date): PimRequest =>
  ({ id: `R-P${createdAt.getTime()}`, state: 'pending_approval', createdAt }) as PimRequest;

describe('isoWeek', () => {
  it.each([
    ['2030-01-07T09:00:00Z', 'UTC', '2030-W02'],
    ['2029-12-31T12:00:00Z', 'UTC', '2030-W01'], // Monday of the week holding 3 January
    ['2027-01-01T12:00:00Z', 'UTC', '2026-W53'], // a Friday in the last week of 2026
    ['2026-06-01T00:30:00Z', 'UTC', '2026-W23'],
  ])('%s in %s is %s', (at, zone, week) => {
    expect(isoWeek(new Date(at), zone)).toBe(week);
  });

  it('counts the calendar day in the given zone', () => {
    // Sunday 23:30 UTC is already Monday in Berlin: a new week there, the old one in UTC.
    const at = new Date('2030-01-13T23:30:00Z');
    expect(isoWeek(at, 'UTC')).toBe('2030-W02');
    expect(isoWeek(at, 'Europe/Berlin')).toBe('2030-W03');
  });
});

describe('buildDigest', () => {
  const week = [
    activation('alice@example.com', 'Owner', ago(2 * DAY)),
    activation('alice@example.com', 'Owner', ago(3 * DAY)),
    activation('alice@example.com', 'Contributor', ago(4 * DAY)),
    activation('bob@example.com', 'Contributor', ago(5 * DAY)),
    activation('bob@example.com', 'Contributor', ago(8 * DAY)), // the week before: not counted
    assignment({ principalId: 'bob@example.com', role: 'Reader', createdAt: ago(DAY) }), // made permanent
    assignment({ principalId: 'bob@example.com', role: 'Owner', createdAt: ago(2 * DAY), endsAt: ahead(90 * DAY) }), // time-bound: not permanent
  ];
  const current = [
    assignment({ role: 'Owner' }), // permanent eligible
    assignment({ role: 'Reader', endsAt: ahead(3 * DAY) }), // ending soon
    assignment({ role: 'Contributor', endsAt: ahead(8 * DAY) }), // ends later
    assignment({ role: 'Owner', type: 'active', requestId: 'R9', endsAt: ahead(HOUR) }), // an activation: never "ending soon"
    assignment({ principalId: 'bob@example.com', role: 'Contributor', type: 'active', endsAt: ahead(DAY) }), // assigned active, ending soon
  ];
  const digest = buildDigest({ now: NOW, timeZone: 'UTC', created: week, current, pending: [pending(ago(5 * HOUR)), pending(ago(2 * HOUR))], directory });

  it('names the ISO week and the 7 days before now', () => {
    expect(digest).toMatchObject({ week: '2030-W02', from: ago(7 * DAY).toISOString(), to: NOW.toISOString() });
  });

  it('counts the week’s activations by role and by user, most first', () => {
    expect(digest.activations).toEqual({
      total: 4,
      byRole: [
        { role: 'Contributor', count: 2 },
        { role: 'Owner', count: 2 },
      ],
      topUsers: [
        { user: { id: 'alice@example.com', name: 'Alice' }, count: 3 },
        { user: { id: 'bob@example.com', name: 'Bob' }, count: 1 },
      ],
    });
  });

  it('lists the permanent assignments made in the week', () => {
    expect(digest.madePermanent.total).toBe(1);
    expect(digest.madePermanent.items[0]).toMatchObject({ principal: { name: 'Bob' }, role: 'Reader', endsAt: null });
  });

  it('counts current assignments: eligible, active (and activations), permanent', () => {
    expect(digest.assignments).toEqual({ eligible: 3, active: 2, activations: 1, permanent: 1 });
  });

  it('lists time-bound assignments ending in the next 7 days, soonest first, activations left out', () => {
    expect(digest.endingSoon.total).toBe(2);
    expect(digest.endingSoon.items.map((a) => [a.role, a.endsAt])).toEqual([
      ['Contributor', ahead(DAY).toISOString()],
      ['Reader', ahead(3 * DAY).toISOString()],
    ]);
  });

  it('counts pending requests with the oldest one’s time', () => {
    expect(digest.pendingRequests).toEqual({ total: 2, oldest: ago(5 * HOUR).toISOString() });
  });

  it('reports reviews and alerts as not tracked (null) when not given, not as zero', () => {
    expect(digest.pendingReviews).toBeNull();
    expect(digest.openAlerts).toBeNull();
  });

  it('counts the access-review items waiting for a decision', () => {
    expect(buildDigest({ now: NOW, timeZone: 'UTC', created: [], current: [], pending: [], directory, pendingReviewItems: 3 }).pendingReviews).toBe(3);
  });

  it('keeps each list to its cap while the totals stay exact', () => {
    const many = Array.from({ length: 30 }, (_, k) => assignment({ principalId: `u${k}@example.com`, createdAt: ago(HOUR + k), endsAt: null }));
    const soon = Array.from({ length: 30 }, (_, k) => assignment({ endsAt: ahead(DAY + k) }));
    const acts = Array.from({ length: 12 }, (_, k) => activation(`u${k}@example.com`, 'Owner', ago(DAY + k)));
    const d = buildDigest({ now: NOW, timeZone: 'UTC', created: [...many, ...acts], current: soon, pending: [], directory });
    expect(d.madePermanent).toMatchObject({ total: 30 });
    expect(d.madePermanent.items).toHaveLength(DIGEST_LIST_MAX.madePermanent);
    expect(d.endingSoon.items).toHaveLength(DIGEST_LIST_MAX.endingSoon);
    expect(d.activations.topUsers).toHaveLength(DIGEST_LIST_MAX.topUsers);
    expect(d.activations.total).toBe(12);
    expect(d.pendingRequests).toEqual({ total: 0, oldest: null });
  });
});
