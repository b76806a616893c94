import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GrantTarget, OutboxPayload } from '../../../src/core/index.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { outbox } from '../../../src/db/outbox.sql.js';
import { OUTBOX_CHANNEL } from '../../../src/db/repos/outbox.js';
import { DrizzleStore } from '../../../src/db/store.js';
import type { OutboxQueue as DispatcherQueue } from '../../../src/jobs/dispatcher.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { at, HOUR, ManualClock, MIN, T0 } from '../../support/db-fixtures.js';

let database: TestDatabase;
let store: DrizzleStore;
let queue: OutboxQueue;
let commits = 0;
const clock = new ManualClock();

beforeAll(async () => {
  database = await testDatabase();
  store = new DrizzleStore(database.db, { clock, onOutboxCommit: () => commits++ });
  queue = new OutboxQueue(database.db);
});
afterAll(() => database?.close());
beforeEach(async () => {
  clock.set(T0);
  commits = 0;
  await truncateAll(database.db);
});

const text = (t: string): OutboxPayload => ({ type: 'message', platform: 'slack', to: { kind: 'channel', channel: 'approvals' }, notice: { kind: 'text', text: t } });
const rows = () => database.db.select().from(outbox).orderBy(outbox.id);
const enqueueMany = (n: number, prefix = 'k') =>
  store.transaction(async (u) => {
    for (let i = 0; i < n; i++) await u.outbox.enqueue(`${prefix}-${i}`, text(`${i}`));
  });

/** Resolves with the next notification on `channel`, or 'timeout'. */
async function nextNotification(channel: string, ms: number, trigger: () => Promise<unknown>): Promise<string> {
  let got!: (p: string) => void;
  const received = new Promise<string>((resolve) => (got = resolve));
  const stop = await database.listen(channel, (p) => got(p));
  try {
    await trigger().catch(() => undefined);
    return await Promise.race([received, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), ms))]);
  } finally {
    await stop();
  }
}

describe('outbox enqueue', () => {
  it('stores the row due now by the store clock, or at notBefore', async () => {
    clock.set(at(5 * MIN));
    await store.transaction(async (u) => {
      await u.outbox.enqueue('a', text('a'));
      await u.outbox.enqueue('b', text('b'), at(HOUR));
    });
    const [a, b] = await rows();
    expect(a).toMatchObject({ dedupeKey: 'a', payload: text('a'), attempts: 0, nextAttemptAt: at(5 * MIN), createdAt: at(5 * MIN), leaseUntil: null, deliveredAt: null, deadAt: null, lastError: null });
    expect(b).toMatchObject({ dedupeKey: 'b', nextAttemptAt: at(HOUR) });
  });

  it('keeps only the first item for a dedupe key, within and across transactions', async () => {
    await store.transaction(async (u) => {
      await u.outbox.enqueue('same', text('first'));
      await u.outbox.enqueue('same', text('second'));
    });
    await store.transaction((u) => u.outbox.enqueue('same', text('third')));
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0]?.payload).toEqual(text('first'));
  });

  it('calls onOutboxCommit once after a commit that enqueued, and not for duplicates, rollbacks or no outbox', async () => {
    await enqueueMany(3);
    expect(commits).toBe(1);
    await store.transaction((u) => u.outbox.enqueue('k-0', text('dup')));
    await store.transaction((u) => u.requests.find({}));
    await expect(
      store.transaction(async (u) => {
        await u.outbox.enqueue('new', text('x'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(commits).toBe(1);
    expect(await rows()).toHaveLength(3);
  });

  it('a throwing onOutboxCommit does not turn a commit into an error', async () => {
    const s = new DrizzleStore(database.db, {
      clock,
      onOutboxCommit: () => {
        throw new Error('wake failed');
      },
    });
    await expect(s.transaction((u) => u.outbox.enqueue('x', text('x')))).resolves.toBeUndefined();
    expect(await rows()).toHaveLength(1);
  });

  it(`notifies ${OUTBOX_CHANNEL} when a transaction that enqueued commits`, async () => {
    expect(await nextNotification(OUTBOX_CHANNEL, 5_000, () => enqueueMany(2))).toBe('');
  });

  it(`does not notify ${OUTBOX_CHANNEL} when the transaction rolls back`, async () => {
    const rollback = () =>
      store.transaction(async (u) => {
        await u.outbox.enqueue('x', text('x'));
        throw new Error('no');
      });
    expect(await nextNotification(OUTBOX_CHANNEL, 300, rollback)).toBe('timeout');
  });
});

describe('OutboxQueue', () => {
  it('matches the dispatcher contract', () => {
    const q: DispatcherQueue = queue;
    expect(q).toBeDefined();
  });

  it('claimDue leases due rows oldest first, counts the attempt, and skips leased, future and settled rows', async () => {
    await enqueueMany(3);
    await store.transaction((u) => u.outbox.enqueue('later', text('later'), at(HOUR)));
    const first = await queue.claimDue(at(MIN), 2, 30_000);
    expect(first.map((r) => r.dedupeKey)).toEqual(['k-0', 'k-1']);
    expect(first[0]).toMatchObject({ attempts: 1, leaseUntil: at(MIN + 30_000), payload: text('0'), createdAt: T0 });
    expect((await queue.claimDue(at(MIN), 10, 30_000)).map((r) => r.dedupeKey)).toEqual(['k-2']);
    expect(await queue.claimDue(at(MIN), 10, 30_000)).toEqual([]);
    // Leases run out: the unsettled rows come back, with another attempt counted.
    const again = await queue.claimDue(at(MIN + 30_000), 10, 30_000);
    expect(again.map((r) => [r.dedupeKey, r.attempts])).toEqual([
      ['k-0', 2],
      ['k-1', 2],
      ['k-2', 2],
    ]);
    expect((await queue.claimDue(at(HOUR), 10, 30_000)).map((r) => r.dedupeKey)).toEqual(['k-0', 'k-1', 'k-2', 'later']);
  });

  it('markDelivered settles a row once; delivered rows are never claimed or counted', async () => {
    await enqueueMany(2);
    const [a] = await queue.claimDue(T0, 1, 1000);
    await queue.markDelivered(a!.id, at(1));
    await queue.markDelivered(a!.id, at(2));
    expect((await rows())[0]).toMatchObject({ deliveredAt: at(1), leaseUntil: null });
    expect(await queue.depth()).toBe(1);
    expect((await queue.claimDue(at(HOUR), 10, 1000)).map((r) => r.dedupeKey)).toEqual(['k-1']);
  });

  it('reschedule releases the lease and sets the next attempt and the error', async () => {
    await enqueueMany(1);
    const [a] = await queue.claimDue(T0, 1, HOUR);
    await queue.reschedule(a!.id, at(5 * MIN), 'rate limited');
    expect((await rows())[0]).toMatchObject({ leaseUntil: null, nextAttemptAt: at(5 * MIN), lastError: 'rate limited', attempts: 1 });
    expect(await queue.claimDue(at(4 * MIN), 10, 1000)).toEqual([]);
    expect(await queue.claimDue(at(5 * MIN), 10, 1000)).toMatchObject([{ id: a!.id, attempts: 2, lastError: 'rate limited' }]);
  });

  it('markDead keeps the row with its error and never claims it again', async () => {
    await enqueueMany(1);
    const [a] = await queue.claimDue(T0, 1, 1000);
    await queue.markDead(a!.id, at(MIN), 'channel_not_found');
    expect((await rows())[0]).toMatchObject({ deadAt: at(MIN), lastError: 'channel_not_found', leaseUntil: null });
    expect(await queue.claimDue(at(HOUR), 10, 1000)).toEqual([]);
    expect(await queue.depth()).toBe(0);
    expect((await queue.dead()).map((r) => r.id)).toEqual([a!.id]);
  });

  it('depth and nextDueAt see live rows, a leased row being due when its lease ends', async () => {
    expect(await queue.depth()).toBe(0);
    expect(await queue.nextDueAt()).toBeNull();
    await store.transaction(async (u) => {
      await u.outbox.enqueue('a', text('a'), at(10 * MIN));
      await u.outbox.enqueue('b', text('b'), at(20 * MIN));
    });
    expect(await queue.depth()).toBe(2);
    expect(await queue.nextDueAt()).toEqual(at(10 * MIN));
    await queue.claimDue(at(10 * MIN), 1, 30 * MIN); // a leased until 40m
    expect(await queue.nextDueAt()).toEqual(at(20 * MIN));
    await queue.claimDue(at(20 * MIN), 1, 30 * MIN); // b leased until 50m
    expect(await queue.nextDueAt()).toEqual(at(40 * MIN));
  });

  it('gives grant and revoke targets back with endsAt as a Date', async () => {
    const target: GrantTarget = { assignmentId: 'A-1', principalId: 'alice@example.com', role: 'Owner', scope: '/', endsAt: at(HOUR), requestId: 'R-1' };
    await store.transaction(async (u) => {
      await u.outbox.enqueue('g', { type: 'grant', target });
      await u.outbox.enqueue('r', { type: 'revoke', target: { ...target, endsAt: null } });
    });
    const [g, r] = await queue.claimDue(T0, 10, 1000);
    expect(g?.payload).toEqual({ type: 'grant', target });
    expect(r?.payload).toEqual({ type: 'revoke', target: { ...target, endsAt: null } });
  });

  it('two concurrent claimers never get the same row', async () => {
    const total = 200;
    await enqueueMany(total);
    const claimer = async () => {
      const mine: number[] = [];
      for (;;) {
        const got = await queue.claimDue(at(MIN), 7, HOUR);
        if (got.length === 0) return mine;
        for (const row of got) {
          mine.push(row.id);
          await queue.markDelivered(row.id, at(MIN));
        }
      }
    };
    const [a, b] = await Promise.all([claimer(), claimer()]);
    const all = [...a, ...b];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(total);
    expect(await queue.depth()).toBe(0);
  });
});
