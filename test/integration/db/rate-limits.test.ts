/**
 * The shared GCRA limiter on the real test database: a burst then the steady rate, the cap beyond
 * which nothing is reserved, several keys taken together (all at one instant, or none), a clock
 * that was ahead, and two replicas on two connections pacing against one row.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client.js';
import { PgRateLimiter, type PaceDecision, type RateLimit } from '../../../src/db/rate-limits.js';
import { rateLimits } from '../../../src/db/system.sql.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

const T0 = Date.parse('2030-01-01T12:00:00Z');
/** The instant `ms` after T0. */
const at = (ms: number) => new Date(T0 + ms);

const channel: RateLimit = { key: 'slack:chat.postMessage:C1', intervalMs: 1_000, burst: 3 };
const workspace: RateLimit = { key: 'slack:chat.postMessage', intervalMs: 200, burst: 1 };

/** `n` acquires one after another at the same instant. */
async function acquireMany(limiter: PgRateLimiter, limits: RateLimit[], now: Date, n: number): Promise<PaceDecision[]> {
  const out: PaceDecision[] = [];
  for (let i = 0; i < n; i++) out.push(await limiter.acquire(limits, now));
  return out;
}

async function tatOf(key: string): Promise<number | undefined> {
  const rows = await database.db.select().from(rateLimits);
  return rows.find((r) => r.key === key)?.tatMs;
}

describe('one key', () => {
  it('lets a burst through at once, then one per interval, and the burst again after the key was idle', async () => {
    const limiter = new PgRateLimiter(database.db, { maxWaitMs: 10_000 });
    const waits = (await acquireMany(limiter, [channel], at(0), 6)).map((d) => d.waitMs);
    expect(waits).toEqual([0, 0, 0, 1_000, 2_000, 3_000]);
    // Half a second on, the next slot is the one after 3 s.
    expect(await limiter.acquire([channel], at(500))).toEqual({ waitMs: 3_500, reserved: true });
    // Idle long enough to refill: a full burst again, then the steady rate.
    const later = (await acquireMany(limiter, [channel], at(60_000), 4)).map((d) => d.waitMs);
    expect(later).toEqual([0, 0, 0, 1_000]);
  });

  it('reserves nothing beyond maxWaitMs and says when to come back', async () => {
    const limiter = new PgRateLimiter(database.db, { maxWaitMs: 2_000 });
    const decisions = await acquireMany(limiter, [channel], at(0), 6);
    expect(decisions.map((d) => d.waitMs)).toEqual([0, 0, 0, 1_000, 2_000, 3_000]);
    expect(decisions.map((d) => d.reserved)).toEqual([true, true, true, true, true, false]);
    // The refusal took no slot: asking again gets the same answer, and the TAT is where the fifth left it.
    expect(await limiter.acquire([channel], at(0))).toEqual({ waitMs: 3_000, reserved: false });
    expect(await tatOf(channel.key)).toBe(T0 + 5_000);
    // Coming back when told, the slot is there.
    expect(await limiter.acquire([channel], at(3_000))).toEqual({ waitMs: 0, reserved: true });
  });

  it('lets a limit ask for a shorter cap than the limiter\'s, and the shortest of the keys taken together applies', async () => {
    const limiter = new PgRateLimiter(database.db, { maxWaitMs: 10_000 });
    const short: RateLimit = { ...channel, burst: 1, maxWaitMs: 1_000 };
    const decisions = await acquireMany(limiter, [short], at(0), 3);
    expect(decisions).toEqual([
      { waitMs: 0, reserved: true },
      { waitMs: 1_000, reserved: true },
      { waitMs: 2_000, reserved: false },
    ]);
    expect(await limiter.acquire([short, workspace], at(0))).toEqual({ waitMs: 2_000, reserved: false });
    expect(await limiter.acquire([{ ...short, maxWaitMs: 60_000 }], at(0))).toEqual({ waitMs: 2_000, reserved: true });
  });

  it('uses the caller\'s clock, and forgets a TAT a clock far ahead of it left behind', async () => {
    const limiter = new PgRateLimiter(database.db);
    // A bot whose clock was moved a day ahead (dev mode) used the key, then restarted on real time.
    await acquireMany(limiter, [workspace], at(86_400_000), 20);
    expect(await limiter.acquire([workspace], at(0))).toEqual({ waitMs: 0, reserved: true });
    expect(await limiter.acquire([workspace], at(0))).toEqual({ waitMs: 200, reserved: true });
  });

  it('keeps the first limit given for a key listed twice', async () => {
    const limiter = new PgRateLimiter(database.db);
    await limiter.acquire([workspace, { ...workspace, intervalMs: 5_000 }], at(0));
    expect(await tatOf(workspace.key)).toBe(T0 + 200);
    expect(await limiter.acquire([], at(0))).toEqual({ waitMs: 0, reserved: true });
  });
});

describe('several keys', () => {
  it('reserves every key at the one instant all of them allow', async () => {
    const limiter = new PgRateLimiter(database.db);
    const strict: RateLimit = { ...channel, burst: 1 };
    expect(await limiter.acquire([strict, workspace], at(0))).toEqual({ waitMs: 0, reserved: true });
    // The channel allows the next send at 1 s, the workspace at 200 ms: both are reserved at 1 s.
    expect(await limiter.acquire([strict, workspace], at(0))).toEqual({ waitMs: 1_000, reserved: true });
    expect(await tatOf(strict.key)).toBe(T0 + 2_000);
    expect(await tatOf(workspace.key)).toBe(T0 + 1_200);
    // Another channel shares the workspace key, whose next slot is after that instant.
    expect(await limiter.acquire([{ ...strict, key: 'slack:chat.postMessage:C2' }, workspace], at(0))).toEqual({ waitMs: 1_200, reserved: true });
  });

  it('takes no slot on any key when one of them is beyond the cap', async () => {
    const limiter = new PgRateLimiter(database.db, { maxWaitMs: 1_500 });
    const busy: RateLimit = { ...channel, burst: 1 };
    await acquireMany(limiter, [busy], at(0), 2); // the channel's next slot is at 2 s
    expect(await limiter.acquire([busy, workspace], at(0))).toEqual({ waitMs: 2_000, reserved: false });
    // Nothing leaked on the workspace key: its row is there, idle (TAT 0), no slot taken.
    expect(await tatOf(workspace.key)).toBe(0);
    // A message to another channel gets the workspace at once.
    expect(await limiter.acquire([{ ...busy, key: 'slack:chat.postMessage:C2' }, workspace], at(0))).toEqual({ waitMs: 0, reserved: true });
  });

  it('acquires overlapping keys listed in opposite orders concurrently without deadlocking or losing a slot', async () => {
    const limiter = new PgRateLimiter(database.db, { maxWaitMs: 60_000 });
    const a: RateLimit = { key: 'a', intervalMs: 10, burst: 1 };
    const b: RateLimit = { key: 'b', intervalMs: 10, burst: 1 };
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.acquire(i % 2 ? [a, b] : [b, a], at(0))));
    expect(decisions.every((d) => d.reserved)).toBe(true);
    // Forty sends, each at its own 10 ms slot on both keys.
    expect(decisions.map((d) => d.waitMs).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i * 10));
    expect(await tatOf('a')).toBe(T0 + 400);
    expect(await tatOf('b')).toBe(T0 + 400);
  });
});

noteSkippedWithoutPostgres('two limiter replicas on two connections sharing one key');
describe.runIf(onPostgres)('two replicas', () => {
  it('pace against one row: together they stay at the limit, never above it', async () => {
    const other = await openDatabase({ url: database.url ?? '', maxConnections: 4 });
    try {
      const limit: RateLimit = { key: 'slack:chat.postMessage', intervalMs: 100, burst: 3 };
      const replicas = [new PgRateLimiter(database.db, { maxWaitMs: 500 }), new PgRateLimiter(other.db, { maxWaitMs: 500 })];
      // Virtual time, real concurrency: every 50 ms of it, each replica asks four times at once,
      // far more than the key allows, on its own connection pool.
      const granted: { replica: number; sendAt: number }[] = [];
      for (let t = 0; t <= 3_000; t += 50) {
        const asks = replicas.flatMap((limiter, replica) => Array.from({ length: 4 }, async () => ({ replica, d: await limiter.acquire([limit], at(t)) })));
        for (const { replica, d } of await Promise.all(asks)) {
          expect(d.waitMs).toBeLessThanOrEqual(d.reserved ? 500 : Number.POSITIVE_INFINITY);
          if (d.reserved) granted.push({ replica, sendAt: t + d.waitMs });
        }
      }
      const sends = granted.map((g) => g.sendAt).sort((x, y) => x - y);
      // Never above the limit: no window holds more than burst + window / interval sends.
      for (let i = 0; i < sends.length; i++) {
        for (let j = i; j < sends.length; j++) {
          expect(j - i + 1).toBeLessThanOrEqual(limit.burst + Math.floor(((sends[j] as number) - (sends[i] as number)) / limit.intervalMs));
        }
      }
      // At the limit: every slot of the first 3 s was taken (the burst of 3, then one per 100 ms).
      expect(sends.filter((s) => s <= 3_000)).toHaveLength(3 + 30);
      // Both replicas got a share.
      expect(new Set(granted.map((g) => g.replica))).toEqual(new Set([0, 1]));
    } finally {
      await other.close();
    }
  });
});
