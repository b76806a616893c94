/**
 * Crash-safe delivery in the outbox dispatcher: each row is marked delivered as soon as the
 * platform answers (not in a later batch), and rows leased by a node that died (its node lock,
 * src/db/nodes.ts, is gone) are taken over at once by a live node instead of after the lease.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asc, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import type { MessageRef, Messenger, Notice, Recipient } from '../../../src/core/index.js';
import { drizzle } from 'drizzle-orm/postgres-js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { joinAsNode } from '../../../src/db/nodes.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { outbox } from '../../../src/db/outbox.sql.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { Dispatcher, type DispatcherOptions, type OutboxQueue as QueuePort } from '../../../src/jobs/dispatcher.js';
import { RecordProvider } from '../../../src/providers/record.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

class Recorder implements Messenger {
  readonly platform = 'slack' as const;
  sent: string[] = [];
  /** Per-text delay of `send`. */
  delays = new Map<string, number>();
  canReach(): boolean {
    return true;
  }
  async send(_to: Recipient, notice: Notice): Promise<MessageRef> {
    const text = notice.kind === 'text' ? notice.text : notice.kind;
    const delay = this.delays.get(text);
    if (delay) await sleep(delay);
    this.sent.push(text);
    return { platform: 'slack', conversation: 'D1', messageId: `m${this.sent.length}` };
  }
  async update(): Promise<void> {}
}

/** The real queue, counting how it is asked to settle rows; `failMany` makes the grouped settle throw. */
function countingQueue(failMany = false) {
  const queue = new OutboxQueue(database.db);
  const calls = { one: 0, many: 0, rowsInMany: 0, largestGroup: 0 };
  const port: QueuePort = {
    claimDue: (now, limit, lease, node) => queue.claimDue(now, limit, lease, node),
    reschedule: (id, at, e) => queue.reschedule(id, at, e),
    defer: (id, at, e) => queue.defer(id, at, e),
    markDead: (id, at, e) => queue.markDead(id, at, e),
    nextDueAt: () => queue.nextDueAt(),
    markDelivered: async (id, at) => {
      calls.one++;
      await queue.markDelivered(id, at);
    },
    markDeliveredMany: async (marks) => {
      calls.many++;
      if (failMany) throw new Error('connection reset');
      calls.rowsInMany += marks.length;
      calls.largestGroup = Math.max(calls.largestGroup, marks.length);
      await queue.markDeliveredMany(marks);
    },
  };
  return { port, calls };
}

function dispatcher(queue: QueuePort, messenger: Messenger, tuning: Partial<DispatcherOptions> = {}): Dispatcher {
  return new Dispatcher({
    queue,
    refs: new MessageRefStore(database.db),
    messengers: () => [messenger],
    provider: new RecordProvider(),
    clock: systemClock,
    logger: quiet,
    hooks: { currentNotice: async (n) => n, completeGrant: async () => null, failGrant: async () => null, revokeFailed: async () => {}, deadLettered: async () => {} },
    ...tuning,
  });
}

async function enqueue(texts: string[]): Promise<void> {
  const store = new DrizzleStore(database.db, { clock: systemClock });
  await store.transaction(async (uow) => {
    for (const text of texts) await uow.outbox.enqueue(`msg:${text}`, { type: 'message', platform: 'slack', to: { kind: 'user', principalId: 'alice@example.com' }, notice: { kind: 'text', text } });
  });
}

const rows = () => database.db.select().from(outbox).orderBy(asc(outbox.id));

describe('settling row by row', () => {
  it('claims 500 rows at a time and marks each delivered once, right after its delivery, grouping marks that come together', async () => {
    const texts = Array.from({ length: 1100 }, (_, k) => `m${k}`);
    await enqueue(texts);
    const { port, calls } = countingQueue();
    const messenger = new Recorder();
    const d = dispatcher(port, messenger);
    expect(await d.runOnce()).toBe(500);
    expect(await d.runOnce()).toBe(500);
    expect(await d.runOnce()).toBe(100);
    expect(await d.runOnce()).toBe(0);
    expect(messenger.sent).toHaveLength(1100);
    expect(calls.one + calls.rowsInMany).toBe(1100);
    // Grouped while a statement ran, never more than the unsettled limit plus the workers.
    expect(calls.many).toBeGreaterThan(0);
    expect(calls.largestGroup).toBeLessThanOrEqual(32 + 8);
    expect((await rows()).every((r) => r.deliveredAt !== null && r.leaseUntil === null && r.attempts === 1)).toBe(true);
  });

  it('keeps each row\'s own delivery time when marks are grouped', async () => {
    await enqueue(['a', 'b', 'c']);
    const [a, b] = await rows();
    const queue = new OutboxQueue(database.db);
    const first = new Date('2030-01-01T00:00:00Z');
    await queue.markDelivered(a!.id, first);
    await queue.markDeliveredMany([
      { id: a!.id, at: new Date('2030-01-01T00:00:05Z') },
      { id: b!.id, at: new Date('2030-01-01T00:00:07.250Z') },
    ]);
    expect((await rows()).map((r) => r.deliveredAt)).toEqual([first, new Date('2030-01-01T00:00:07.250Z'), null]);
    await queue.markDeliveredMany([]);
  });

  it('settles each row on its own when a group cannot be settled together, delivering each once', async () => {
    await enqueue(Array.from({ length: 40 }, (_, k) => `x${k}`));
    const { port, calls } = countingQueue(true);
    const messenger = new Recorder();
    await dispatcher(port, messenger).runOnce();
    expect(calls.many).toBeGreaterThanOrEqual(1);
    expect(calls.one).toBe(40);
    expect((await rows()).every((r) => r.deliveredAt !== null)).toBe(true);
    await dispatcher(port, messenger).runOnce();
    expect(messenger.sent).toHaveLength(40);
  });

  it('makes a worker wait for its mark once the unsettled limit is reached', async () => {
    await enqueue(Array.from({ length: 30 }, (_, k) => `y${k}`));
    const queue = new OutboxQueue(database.db);
    let unsettled = 0;
    let most = 0;
    const messenger = new Recorder();
    const port: QueuePort = {
      ...countingQueue().port,
      markDelivered: async (id, at) => {
        await sleep(30); // a slow database
        await queue.markDelivered(id, at);
        unsettled -= 1;
      },
      markDeliveredMany: async (marks) => {
        await sleep(30);
        await queue.markDeliveredMany(marks);
        unsettled -= marks.length;
      },
    };
    const counting: Messenger = {
      platform: 'slack',
      canReach: () => true,
      send: async (to, notice) => {
        unsettled++;
        most = Math.max(most, unsettled);
        return messenger.send(to, notice);
      },
      update: async () => {},
    };
    await dispatcher(port, counting, { unsettledLimit: 4, concurrency: 2 }).runOnce();
    expect(messenger.sent).toHaveLength(30);
    // Delivered but not yet settled, at any instant: at most the limit plus the workers.
    expect(most).toBeLessThanOrEqual(4 + 2);
  });

  it('marks a delivered row at once while a slow delivery still holds the batch', async () => {
    await enqueue(['fast', 'slow']);
    const messenger = new Recorder();
    messenger.delays.set('slow', 600);
    const { port } = countingQueue();
    const run = dispatcher(port, messenger).runOnce();
    await sleep(300);
    const mid = await rows();
    expect(mid.find((r) => r.dedupeKey === 'msg:fast')?.deliveredAt).toBeInstanceOf(Date);
    expect(mid.find((r) => r.dedupeKey === 'msg:slow')?.deliveredAt).toBeNull();
    await run;
    expect((await rows()).every((r) => r.deliveredAt !== null)).toBe(true);
  });
});

describe('taking over from a dead node', () => {
  const queue = () => new OutboxQueue(database.db);
  const lease = 60_000;

  it('leaves a live node\'s claimed rows alone and takes them over the moment its lock is gone', async () => {
    await enqueue(['a', 'b', 'c']);
    const alive = await database.joinAsNode();
    const other = await database.joinAsNode();
    try {
      expect(alive.id).not.toBe(other.id);
      const claimed = await queue().claimDue(new Date(), 10, lease, alive.id);
      expect(claimed.map((r) => r.payload.type === 'message' && r.payload.notice.kind === 'text' && r.payload.notice.text)).toEqual(['a', 'b', 'c']);
      expect((await rows()).map((r) => r.claimedBy)).toEqual([alive.id, alive.id, alive.id]);

      // Its lease runs for a minute and its node lives: nobody else may have them.
      expect(await queue().claimDue(new Date(), 10, lease, other.id)).toEqual([]);

      await alive.close();
      const taken = await queue().claimDue(new Date(), 10, lease, other.id);
      expect(taken.map((r) => r.attempts)).toEqual([2, 2, 2]);
      expect((await rows()).map((r) => r.claimedBy)).toEqual([other.id, other.id, other.id]);
      // The new holder lives: a third node waits.
      const third = await database.joinAsNode();
      expect(await queue().claimDue(new Date(), 10, lease, third.id)).toEqual([]);
      await third.close();
    } finally {
      await alive.close().catch(() => {});
      await other.close();
    }
  });

  it('a row claimed without a node falls back to its lease', async () => {
    await enqueue(['x']);
    const node = await database.joinAsNode();
    try {
      await queue().claimDue(new Date(), 10, 1_000);
      expect(await queue().claimDue(new Date(), 10, lease, node.id)).toEqual([]);
      expect(await queue().claimDue(new Date(Date.now() + 1_500), 10, lease, node.id)).toHaveLength(1);
    } finally {
      await node.close();
    }
  });

  noteSkippedWithoutPostgres('taking over after a node\'s session dies without unlocking');
  it.runIf(onPostgres)('takes over at once when the dead node\'s session simply ends (SIGKILL closes its socket), with no lease wait', async () => {
    await enqueue(['p', 'q']);
    // A node on a session of its own, ended from the server side as a killed process would end it.
    const own = postgres(database.url as string, { max: 1, onnotice: () => {} });
    const dying = await joinAsNode(drizzle({ client: own }));
    const [session] = await own<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const live = await database.joinAsNode();
    try {
      expect(await queue().claimDue(new Date(), 10, lease, dying.id)).toHaveLength(2);
      expect(await queue().claimDue(new Date(), 10, lease, live.id)).toEqual([]);
      await database.db.execute(sql`select pg_terminate_backend(${session?.pid})`);
      let taken: unknown[] = [];
      for (let i = 0; i < 50 && taken.length === 0; i++) {
        taken = await queue().claimDue(new Date(), 10, lease, live.id);
        if (taken.length === 0) await sleep(20);
      }
      expect(taken).toHaveLength(2);
    } finally {
      await own.end({ timeout: 1 }).catch(() => {});
      await live.close();
    }
  });
});
