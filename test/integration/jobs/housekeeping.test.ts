/**
 * Housekeeping on the real test database: the scheduled job forgets dedupe keys older than a day
 * (Slack retries and double clicks come within minutes) and keeps the recent ones, so a retry
 * still runs once while the table does not grow without end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { DedupeStore } from '../../../src/db/dedupe.js';
import { InboxStore } from '../../../src/db/inbox.js';
import { PgRateLimiter } from '../../../src/db/rate-limits.js';
import { dedupeKeys, rateLimits } from '../../../src/db/system.sql.js';
import { DEDUPE_KEEP_MS, housekeepingJob, Schedules } from '../../../src/jobs/schedules.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('housekeeping job', () => {
  it('prunes dedupe keys older than a day and keeps the newer ones; a pruned-too-early key would run twice, a kept one does not', async () => {
    const clock = new ManualClock(new Date('2030-01-10T12:00:00.000Z'));
    const dedupe = new DedupeStore(database.db);
    const at = (msAgo: number) => new Date(clock.now().getTime() - msAgo);
    expect(await dedupe.claimOnce('slack:command:old', at(DEDUPE_KEEP_MS + 60_000))).toBe(true);
    expect(await dedupe.claimOnce('slack:command:recent', at(5 * 60_000))).toBe(true);

    const schedules = new Schedules({ jobs: [housekeepingJob(dedupe, clock)], timezone: 'UTC', logger: quiet });
    expect(await schedules.runNow('housekeeping')).toEqual({ prunedDedupeKeys: 1 });

    const left = await database.db.select({ key: dedupeKeys.key }).from(dedupeKeys);
    expect(left.map((r) => r.key)).toEqual(['slack:command:recent']);
    // A retry of the recent delivery is still recognised.
    expect(await dedupe.claimOnce('slack:command:recent', clock.now())).toBe(false);
    expect(await schedules.runNow('housekeeping')).toEqual({ prunedDedupeKeys: 0 });
    // The schedule is valid and hourly.
    schedules.start();
    const next = schedules.nextRuns().housekeeping;
    await schedules.stop();
    expect(next?.getUTCMinutes()).toBe(17);
  });

  it('never prunes an acked request still owed, however old; prunes it once done', async () => {
    const clock = new ManualClock(new Date('2030-01-10T12:00:00.000Z'));
    const dedupe = new DedupeStore(database.db);
    const inbox = new InboxStore(database.db, 7);
    const old = new Date(clock.now().getTime() - DEDUPE_KEEP_MS - 60_000);
    expect(await inbox.accept('slack:command:owed', { body: { command: '/pim', text: 'status' } }, old)).toBe(true);
    expect(await inbox.accept('slack:command:owed', { body: {} }, old)).toBe(false);

    const schedules = new Schedules({ jobs: [housekeepingJob(dedupe, clock)], timezone: 'UTC', logger: quiet });
    expect(await schedules.runNow('housekeeping')).toEqual({ prunedDedupeKeys: 0 });
    expect(await inbox.owed()).toBe(1);
    await inbox.done('slack:command:owed', clock.now());
    expect(await inbox.owed()).toBe(0);
    expect(await schedules.runNow('housekeeping')).toEqual({ prunedDedupeKeys: 1 });
  });

  it('forgets rate-limit keys idle for a day, which changes no decision, and keeps busy ones', async () => {
    const clock = new ManualClock(new Date('2030-01-10T12:00:00.000Z'));
    const limiter = new PgRateLimiter(database.db);
    const dm = (id: string) => [{ key: `slack:chat.postMessage:${id}`, intervalMs: 1_000, burst: 1 }];
    const longAgo = new Date(clock.now().getTime() - DEDUPE_KEEP_MS - 60_000);
    expect(await limiter.acquire(dm('D0IDLE'), longAgo)).toEqual({ waitMs: 0, reserved: true });
    expect(await limiter.acquire(dm('D0BUSY'), clock.now())).toEqual({ waitMs: 0, reserved: true });

    const schedules = new Schedules({ jobs: [housekeepingJob(new DedupeStore(database.db), clock, DEDUPE_KEEP_MS, limiter)], timezone: 'UTC', logger: quiet });
    expect(await schedules.runNow('housekeeping')).toEqual({ prunedDedupeKeys: 0, prunedRateLimits: 1 });
    const left = await database.db.select({ key: rateLimits.key }).from(rateLimits);
    expect(left.map((r) => r.key)).toEqual(['slack:chat.postMessage:D0BUSY']);
    // The busy key still paces (its slot is taken); the pruned one, seeded again, lets a send through at once.
    expect(await limiter.acquire(dm('D0BUSY'), clock.now())).toEqual({ waitMs: 1_000, reserved: true });
    expect(await limiter.acquire(dm('D0IDLE'), clock.now())).toEqual({ waitMs: 0, reserved: true });
    expect(await limiter.acquire(dm('D0IDLE'), clock.now())).toEqual({ waitMs: 1_000, reserved: true });
  });
});
