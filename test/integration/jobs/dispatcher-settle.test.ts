/**
 * Batched settlement in the outbox dispatcher: delivered rows are marked delivered many per
 * statement (OutboxQueue.markDeliveredMany), promptly (well inside their lease, even while a slow
 * delivery holds the batch), and one by one when a batch cannot be settled together.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import type { Notice } from '../../../src/core/notices.js';
import type { MessageRef, Messenger, Recipient } from '../../../src/core/ports.js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { outbox } from '../../../src/db/outbox.sql.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { Dispatcher, type DispatcherOptions, type OutboxQueue as QueuePort } from '../../../src/jobs/dispatcher.js';
import { RecordProvider } from '../../../src/providers/record.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

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

/** The real queue, counting how it is asked to settle rows; `failMany` makes the batched settle throw. */
function countingQueue(failMany = false) {
  const queue = new OutboxQueue(database.db);
  const calls = { many: 0, one: 0, rowsInMany: 0 };
  const port: QueuePort = {
    claimDue: (now, limit, lease) => queue.claimDue(now, limit, lease),
    reschedule: (id, at, e) => queue.reschedule(id, at, e),
    defer: (id, at, e) => queue.defer(id, at, e),
    markDead: (id, at, e) => queue.markDead(id, at, e),
    nextDueAt: () => queue.nextDueAt(),
    markDelivered: async (id, at) => {
      calls.one++;
      await queue.markDelivered(id, at);
    },
    markDeliveredMany: async (ids, at) => {
      calls.many++;
      if (failMany) throw new Error('connection reset');
      calls.rowsInMany += ids.length;
      await queue.markDeliveredMany(ids, at);
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

describe('OutboxQueue.markDeliveredMany', () => {
  it('settles the given rows and keeps the first delivery time of one already delivered', async () => {
    await enqueue(['a', 'b', 'c']);
    const [a, b] = await rows();
    const queue = new OutboxQueue(database.db);
    const first = new Date('2030-01-01T00:00:00Z');
    await queue.markDelivered(a!.id, first);
    await queue.markDeliveredMany([a!.id, b!.id], new Date('2030-01-01T00:00:05Z'));
    const after = await rows();
    expect(after.map((r) => r.deliveredAt)).toEqual([first, new Date('2030-01-01T00:00:05Z'), null]);
    expect(await queue.depth()).toBe(1);
    await queue.markDeliveredMany([], new Date()); // nothing to do
  });
});

describe('batched settlement', () => {
  it('claims 500 rows at a time by default and settles them many per statement', async () => {
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
    expect(calls.one).toBe(0);
    expect(calls.rowsInMany).toBe(1100);
    expect(calls.many).toBeLessThanOrEqual(12);
    expect((await rows()).every((r) => r.deliveredAt !== null && r.leaseUntil === null && r.attempts === 1)).toBe(true);
  });

  it('settles each row on its own when the batch cannot be settled together, delivering each once', async () => {
    await enqueue(['x', 'y', 'z']);
    const { port, calls } = countingQueue(true);
    const messenger = new Recorder();
    await dispatcher(port, messenger).runOnce();
    expect(calls.many).toBeGreaterThanOrEqual(1);
    expect(calls.one).toBe(3);
    expect([...messenger.sent].sort()).toEqual(['x', 'y', 'z']);
    expect((await rows()).every((r) => r.deliveredAt !== null)).toBe(true);
    await dispatcher(port, messenger).runOnce();
    expect(messenger.sent).toHaveLength(3);
  });

  it('settles a delivered row promptly while a slow delivery still holds the batch', async () => {
    await enqueue(['fast', 'slow']);
    const messenger = new Recorder();
    messenger.delays.set('slow', 600);
    const { port } = countingQueue();
    const run = dispatcher(port, messenger, { settleDelayMs: 20 }).runOnce();
    await sleep(300);
    const mid = await rows();
    expect(mid.find((r) => r.dedupeKey === 'msg:fast')?.deliveredAt).toBeInstanceOf(Date);
    expect(mid.find((r) => r.dedupeKey === 'msg:slow')?.deliveredAt).toBeNull();
    await run;
    expect((await rows()).every((r) => r.deliveredAt !== null)).toBe(true);
  });

  it('falls back to one statement per row with a queue that cannot settle many', async () => {
    await enqueue(['p', 'q']);
    const { port, calls } = countingQueue();
    const { markDeliveredMany: _omit, ...single } = port;
    await dispatcher(single, new Recorder()).runOnce();
    expect(calls).toMatchObject({ many: 0, one: 2 });
  });
});
