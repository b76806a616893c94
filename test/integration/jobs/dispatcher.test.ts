/**
 * The outbox dispatcher on the real test database (PGlite, or PostgreSQL when TEST_DATABASE_URL
 * is set), with a recording Messenger and GrantProvider. Rows go in the way the core writes them:
 * `DrizzleStore.transaction(uow => uow.outbox.enqueue(...))`, with `onOutboxCommit` waking the
 * dispatcher as src/app.ts wires it. Timing tests use the real clock: they check behaviour (a
 * wake-up, a retry-after) with generous bounds, not speed targets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { DeliveryError, type GrantProvider, type GrantTarget, type MessageRef, type Messenger, type Notice, type OutboxPayload, type Platform, type Recipient } from '../../../src/core/index.js';
import { verifyAuditChain } from '../../../src/db/audit-verify.js';
import { auditEvents } from '../../../src/db/audit.sql.js';
import { openDatabase, type Database, type Db } from '../../../src/db/client.js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { outbox } from '../../../src/db/outbox.sql.js';
import { OUTBOX_CHANNEL } from '../../../src/db/repos/outbox.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { Dispatcher, type DispatcherOptions, type OutboxRow } from '../../../src/jobs/dispatcher.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

/** Everything a test started, stopped after it whatever happened. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// ------------------------------------------------------------------ fakes

interface Attempt {
  op: 'send' | 'update';
  /** Date.now() when the call came in (the dispatcher schedules retries on the same clock). */
  at: number;
  /** performance.now(), for commit-to-send latency. */
  perf: number;
}

/** A Messenger that records every call and fails on demand. */
class RecordingMessenger implements Messenger {
  attempts: Attempt[] = [];
  sent: { to: Recipient; notice: Notice; ref: MessageRef; perf: number }[] = [];
  updated: { ref: MessageRef; notice: Notice }[] = [];
  /** Delay of each call, to let concurrent dispatchers interleave. */
  delayMs = 0;
  private failures: (() => Error)[] = [];
  private failForever: (() => Error) | null = null;
  private seq = 0;

  constructor(
    readonly platform: Platform = 'slack',
    /** Shared between messengers of racing dispatchers. */
    readonly log: string[] = [],
  ) {}

  /** The next `n` calls throw what `make` builds (a retryable DeliveryError by default). */
  failNext(n: number, make: () => Error = () => new DeliveryError('temporarily unavailable')): this {
    for (let i = 0; i < n; i++) this.failures.push(make);
    return this;
  }

  /** Every call throws. */
  failAlways(make: () => Error = () => new DeliveryError('temporarily unavailable')): this {
    this.failForever = make;
    return this;
  }

  canReach(): boolean {
    return true;
  }

  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    await this.call('send');
    const conversation = to.kind === 'channel' ? to.channel : to.principalId;
    const ref: MessageRef = { platform: this.platform, conversation, messageId: `${conversation}/${++this.seq}` };
    this.sent.push({ to, notice, ref, perf: performance.now() });
    this.log.push(notice.kind === 'text' ? notice.text : notice.kind);
    return ref;
  }

  async update(ref: MessageRef, notice: Notice): Promise<void> {
    await this.call('update');
    this.updated.push({ ref, notice });
  }

  private async call(op: Attempt['op']): Promise<void> {
    this.attempts.push({ op, at: Date.now(), perf: performance.now() });
    if (this.delayMs > 0) await sleep(this.delayMs);
    const fail = this.failures.shift() ?? this.failForever;
    if (fail) throw fail();
  }
}

/** An external grant provider (not inline) that records calls and fails on demand. */
class RecordingProvider implements GrantProvider {
  readonly name = 'recording';
  readonly inline = false;
  granted: GrantTarget[] = [];
  revoked: GrantTarget[] = [];
  grantCalls = 0;
  revokeCalls = 0;
  failGrant: (() => Error) | null = null;
  failRevoke: (() => Error) | null = null;

  async grant(a: GrantTarget): Promise<void> {
    this.grantCalls++;
    if (this.failGrant) throw this.failGrant();
    this.granted.push(a);
  }

  async revoke(a: GrantTarget): Promise<void> {
    this.revokeCalls++;
    if (this.failRevoke) throw this.failRevoke();
    this.revoked.push(a);
  }

  async list(): Promise<null> {
    return null;
  }
}

const quietLogger = { info() {}, warn() {}, error() {} };

// ------------------------------------------------------------------ rig

interface RigOptions {
  messenger?: RecordingMessenger;
  provider?: GrantProvider;
  /** The connection the dispatcher uses (default: the test database). */
  db?: Db;
  dispatcher?: Partial<DispatcherOptions>;
  /** What the core says a queued notice looks like now (default: as it was queued). */
  currentNotice?: (n: Notice) => Promise<Notice>;
  /** The same for a batch; without it each row reads its own. */
  currentNotices?: (ns: readonly Notice[]) => Promise<Notice[]>;
  /** Where messages were posted (default: the message_refs table). */
  refs?: DispatcherOptions['refs'];
}

/**
 * One dispatcher over the test database, wired like src/app.ts: the store's onOutboxCommit wakes
 * it, and a dead-lettered row is appended to the audit trail.
 */
function rig(options: RigOptions = {}) {
  const db = options.db ?? database.db;
  const messenger = options.messenger ?? new RecordingMessenger();
  const provider = options.provider ?? new RecordingProvider();
  const hooks = {
    completed: [] as string[],
    failed: [] as { requestId: string; reason: string }[],
    revokeFailed: [] as { target: GrantTarget; reason: string }[],
    dead: [] as { row: OutboxRow; error: string }[],
  };
  let committedAt = Number.NaN;
  let idleCount = 0;
  const queue = new OutboxQueue(db);
  // Counts the look-ups the loop makes right before it sleeps, so a test can wait until it is idle.
  const watchedQueue = {
    claimDue: queue.claimDue.bind(queue),
    markDelivered: queue.markDelivered.bind(queue),
    reschedule: queue.reschedule.bind(queue),
    defer: queue.defer.bind(queue),
    markDead: queue.markDead.bind(queue),
    nextDueAt: async () => {
      const next = await queue.nextDueAt();
      idleCount++;
      return next;
    },
  };
  const store = new DrizzleStore(database.db, {
    clock: systemClock,
    onOutboxCommit: () => {
      committedAt = performance.now();
      dispatcher.wake();
    },
  });
  const dispatcher: Dispatcher = new Dispatcher({
    queue: watchedQueue,
    refs: options.refs ?? new MessageRefStore(db),
    messengers: () => [messenger],
    provider,
    clock: systemClock,
    logger: quietLogger,
    // Long enough that only a wake-up explains a prompt delivery.
    pollMs: 60_000,
    baseBackoffMs: 20,
    maxBackoffMs: 200,
    ...options.dispatcher,
    hooks: {
      currentNotice: options.currentNotice ?? (async (n) => n),
      ...(options.currentNotices ? { currentNotices: options.currentNotices } : {}),
      completeGrant: async (id) => {
        hooks.completed.push(id);
      },
      failGrant: async (requestId, reason) => {
        hooks.failed.push({ requestId, reason });
      },
      revokeFailed: async (target, reason) => {
        hooks.revokeFailed.push({ target, reason });
      },
      deadLettered: async (row, error) => {
        await store.transaction((uow) =>
          uow.audit.append({
            at: systemClock.now(),
            actor: 'system',
            action: 'delivery.failed',
            subject: `outbox:${row.id}`,
            details: { dedupeKey: row.dedupeKey, type: row.payload.type, attempts: row.attempts, error },
          }),
        );
        hooks.dead.push({ row, error });
      },
    },
  });
  cleanups.push(() => dispatcher.stop());

  return {
    dispatcher,
    messenger,
    provider,
    hooks,
    store,
    committedAt: () => committedAt,
    /** Starts the loop and resolves once it has looked for work and gone to sleep. */
    async startIdle(): Promise<void> {
      const before = idleCount;
      dispatcher.start();
      await waitFor(() => idleCount > before, 'the dispatcher to go idle');
      await sleep(20);
    },
    enqueue(dedupeKey: string, payload: OutboxPayload): Promise<void> {
      return store.transaction((uow) => uow.outbox.enqueue(dedupeKey, payload));
    },
  };
}

/** Polls `cond` every 5 ms; fails the test with `what` after `ms`. */
async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 3_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

const text = (t: string, to: Recipient = { kind: 'channel', channel: 'approvals' }, subject?: string): OutboxPayload => ({
  type: 'message',
  platform: 'slack',
  to,
  notice: { kind: 'text', text: t },
  ...(subject ? { subject } : {}),
});

const target = (over: Partial<GrantTarget> = {}): GrantTarget => ({
  assignmentId: 'A-1',
  principalId: 'alice@example.com',
  role: 'Owner',
  scope: '/subscriptions/prod',
  endsAt: new Date('2030-01-01T01:00:00.000Z'),
  requestId: 'R-1',
  ...over,
});

const rowByKey = async (key: string) => {
  const [row] = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, key));
  if (!row) throw new Error(`no outbox row ${key}`);
  return row;
};

/** Waits until the row is delivered or dead (the dispatcher settles it after calling out). */
const settled = (key: string) =>
  waitFor(async () => {
    const row = await rowByKey(key).catch(() => null);
    return row !== null && (row.deliveredAt !== null || row.deadAt !== null);
  }, `outbox row ${key} to be settled`);

/** A second connection to the same PostgreSQL database: another "replica". */
async function secondConnection(): Promise<Database> {
  if (!database.url) throw new Error('a second connection needs PostgreSQL');
  const other = await openDatabase({ url: database.url, maxConnections: 4 });
  cleanups.push(() => other.close());
  return other;
}

// ------------------------------------------------------------------ tests

describe('waking up', () => {
  it('delivers a row within 1 s of its commit although the safety-net poll is 60 s', async () => {
    const r = rig();
    await r.startIdle();

    await r.enqueue('msg:1', text('hello'));
    await waitFor(() => r.messenger.sent.length === 1, 'the message');
    await settled('msg:1');

    const latency = (r.messenger.sent[0]?.perf ?? Number.NaN) - r.committedAt();
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(latency).toBeLessThan(1_000);
    expect((await rowByKey('msg:1')).deliveredAt).toBeInstanceOf(Date);
  });

  noteSkippedWithoutPostgres('waking a dispatcher in another replica through LISTEN/NOTIFY');
  describe.runIf(onPostgres)('across replicas', () => {
    it('wakes a dispatcher on another connection through LISTEN/NOTIFY within 1 s', async () => {
      const other = await secondConnection();
      // Replica B: its own connection, woken only by NOTIFY on pim_outbox (as src/app.ts listens).
      const b = rig({ db: other.db });
      const unlisten = await other.listen(OUTBOX_CHANNEL, () => b.dispatcher.wake());
      cleanups.push(unlisten);
      await b.startIdle();

      // Replica A commits on the first connection; it runs no dispatcher at all.
      let committedAt = Number.NaN;
      const storeA = new DrizzleStore(database.db, { clock: systemClock, onOutboxCommit: () => (committedAt = performance.now()) });
      await storeA.transaction((uow) => uow.outbox.enqueue('msg:remote', text('from replica A')));

      await waitFor(() => b.messenger.sent.length === 1, 'replica B to deliver');
      const latency = (b.messenger.sent[0]?.perf ?? Number.NaN) - committedAt;
      expect(latency).toBeGreaterThanOrEqual(0);
      expect(latency).toBeLessThan(1_000);
    });
  });
});

describe('drained', () => {
  it('resolves once what was due is delivered, and leaves a failed row to its retry', async () => {
    const r = rig({ dispatcher: { baseBackoffMs: 60_000, maxBackoffMs: 60_000 } });
    await r.startIdle();
    r.messenger.delayMs = 50;
    r.messenger.failNext(1);
    await r.store.transaction(async (uow) => {
      await uow.outbox.enqueue('msg:d1', text('one'));
      await uow.outbox.enqueue('msg:d2', text('two', { kind: 'channel', channel: 'security' }));
    });
    await r.dispatcher.drained();
    expect(r.messenger.attempts.length).toBe(2);
    expect(r.messenger.sent.length).toBe(1);
  });

  it('resolves at once when the dispatcher is not running', async () => {
    const r = rig();
    await r.dispatcher.drained();
  });
});

describe('retries', () => {
  it('retries a transient failure and delivers the row once', async () => {
    const r = rig({ messenger: new RecordingMessenger().failNext(2) });
    await r.startIdle();

    await r.enqueue('msg:flaky', text('eventually'));
    await waitFor(() => r.messenger.sent.length === 1, 'the delivery after two failures');
    await sleep(150); // several backoffs: nothing else may happen

    expect(r.messenger.attempts).toHaveLength(3);
    expect(r.messenger.sent).toHaveLength(1);
    const row = await rowByKey('msg:flaky');
    expect(row).toMatchObject({ attempts: 3, deadAt: null, lastError: 'temporarily unavailable' });
    expect(row.deliveredAt).toBeInstanceOf(Date);
  });

  it('does not retry before a reported retry-after (Slack 429)', async () => {
    const retryAfterMs = 400;
    const r = rig({ messenger: new RecordingMessenger().failNext(1, () => new DeliveryError('ratelimited', retryAfterMs)) });
    await r.startIdle();

    await r.enqueue('msg:429', text('slow down'));
    await waitFor(() => r.messenger.sent.length === 1, 'the delivery after the retry-after');

    const [first, second] = r.messenger.attempts;
    expect(r.messenger.attempts).toHaveLength(2);
    // The backoff alone (20 ms) would have retried far sooner.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(retryAfterMs);
  });

  it('waits out rate limits without counting them as attempts or failures: 10 429s still deliver once', async () => {
    const r = rig({
      messenger: new RecordingMessenger().failNext(10, () => DeliveryError.rateLimited('ratelimited', 30)),
    });
    await r.startIdle();

    await r.enqueue('msg:throttled', text('patience'));
    await waitFor(() => r.messenger.sent.length === 1, 'the delivery after ten 429s');
    await sleep(100);

    expect(r.messenger.attempts).toHaveLength(11);
    expect(r.messenger.sent).toHaveLength(1);
    expect(r.hooks.dead).toHaveLength(0);
    const row = await rowByKey('msg:throttled');
    // Only the attempt that went through counted.
    expect(row).toMatchObject({ attempts: 1, deadAt: null });
    expect(row.deliveredAt).toBeInstanceOf(Date);
  });

  it('retries a failing row until giveUpAfter has passed, then dead-letters it, audits it and never tries it again', async () => {
    const giveUpAfterMs = 400;
    const r = rig({ messenger: new RecordingMessenger().failAlways(), dispatcher: { giveUpAfterMs } });
    await r.startIdle();

    await r.enqueue('msg:doomed', text('never arrives'));
    await waitFor(() => r.hooks.dead.length === 1, 'the dead-letter hook');

    const row = await rowByKey('msg:doomed');
    const attempts = r.messenger.attempts;
    // Retried with backoff (20, 40, 80, 160, 200 ms...) for the whole window, not a fixed count.
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect((attempts.at(-1)?.at ?? 0) - row.createdAt.getTime()).toBeGreaterThanOrEqual(giveUpAfterMs);
    expect((attempts.at(-2)?.at ?? Infinity) - row.createdAt.getTime()).toBeLessThan(giveUpAfterMs);
    expect(row.deadAt).toBeInstanceOf(Date);
    expect(row).toMatchObject({ attempts: attempts.length, deliveredAt: null, leaseUntil: null, lastError: 'temporarily unavailable' });
    expect(r.hooks.dead[0]).toMatchObject({ row: { id: row.id, dedupeKey: 'msg:doomed', attempts: attempts.length }, error: 'temporarily unavailable' });

    const [event] = await database.db.select().from(auditEvents).where(eq(auditEvents.subject, `outbox:${row.id}`));
    expect(event).toMatchObject({ actor: 'system', action: 'delivery.failed', details: { dedupeKey: 'msg:doomed', type: 'message', attempts: attempts.length } });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 1 });

    r.dispatcher.wake();
    await sleep(250); // more than the longest backoff
    expect(r.messenger.attempts).toHaveLength(attempts.length);
    expect(r.hooks.dead).toHaveLength(1);
  });

  it('gives up on a row rate-limited past giveUpAfter (an outage, not a burst)', async () => {
    const r = rig({ messenger: new RecordingMessenger().failAlways(() => DeliveryError.rateLimited('ratelimited', 50)), dispatcher: { giveUpAfterMs: 300 } });
    await r.startIdle();

    await r.enqueue('msg:outage', text('throttled for good'));
    await waitFor(() => r.hooks.dead.length === 1, 'the dead-letter hook');
    const row = await rowByKey('msg:outage');
    // Each 429 gave its attempt back: only the last, given up on, counts.
    expect(row).toMatchObject({ attempts: 1, lastError: 'ratelimited' });
    expect(r.messenger.attempts.length).toBeGreaterThanOrEqual(4);
  });

  it('dead-letters a permanent error at once', async () => {
    const r = rig({ messenger: new RecordingMessenger().failAlways(() => new DeliveryError('channel_not_found', undefined, true)) });
    await r.startIdle();

    await r.enqueue('msg:nowhere', text('to a deleted channel'));
    await waitFor(() => r.hooks.dead.length === 1, 'the dead-letter hook');
    await sleep(100);

    expect(r.messenger.attempts).toHaveLength(1);
    const row = await rowByKey('msg:nowhere');
    expect(row.deadAt).toBeInstanceOf(Date);
    expect(row).toMatchObject({ attempts: 1, lastError: 'channel_not_found' });
  });
});

describe('exactly once', () => {
  it('sends one message for a dedupe key enqueued twice, before and after delivery', async () => {
    const r = rig();
    await r.startIdle();

    await r.enqueue('msg:same', text('first'));
    await r.enqueue('msg:same', text('second'));
    await waitFor(() => r.messenger.sent.length === 1, 'the message');
    await r.enqueue('msg:same', text('third'));
    await sleep(150);

    expect(r.messenger.sent.map((s) => s.notice)).toEqual([{ kind: 'text', text: 'first' }]);
    expect(await database.db.select().from(outbox)).toHaveLength(1);
  });

  it(`two dispatchers${onPostgres ? ' on two connections' : ''} racing over 200 rows deliver each exactly once`, async () => {
    const log: string[] = [];
    const tuning = { batchSize: 10, concurrency: 4 };
    const a = rig({ messenger: new RecordingMessenger('slack', log), dispatcher: tuning });
    let b: ReturnType<typeof rig>;
    if (onPostgres) {
      const other = await secondConnection();
      b = rig({ db: other.db, messenger: new RecordingMessenger('slack', log), dispatcher: tuning });
      cleanups.push(await other.listen(OUTBOX_CHANNEL, () => b.dispatcher.wake()));
    } else {
      // PGlite is one connection: the second dispatcher shares it and is woken by hand below.
      b = rig({ messenger: new RecordingMessenger('slack', log), dispatcher: tuning });
    }
    a.messenger.delayMs = 2;
    b.messenger.delayMs = 2;
    await Promise.all([a.startIdle(), b.startIdle()]);

    const n = 200;
    await a.store.transaction(async (uow) => {
      for (let i = 0; i < n; i++) await uow.outbox.enqueue(`msg:race:${i}`, text(`row ${i}`));
    });
    if (!onPostgres) b.dispatcher.wake();
    await waitFor(() => log.length >= n, `${n} deliveries`, 10_000);
    await sleep(100);

    expect(log).toHaveLength(n);
    expect(new Set(log).size).toBe(n);
    expect(a.messenger.sent.length).toBeGreaterThan(0);
    expect(b.messenger.sent.length).toBeGreaterThan(0);
    const rows = await database.db.select().from(outbox);
    expect(rows.filter((row) => row.deliveredAt !== null)).toHaveLength(n);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
  });
});

describe('message refs', () => {
  it('saves where a message with a subject landed, and an update edits every saved copy on its platform', async () => {
    const r = rig();
    await r.startIdle();
    const subject = 'request:R-7';
    // A copy on another platform: the Slack messenger must leave it alone.
    const teamsRef: MessageRef = { platform: 'teams', conversation: '19:approvals@thread.tacv2', messageId: 'act-1' };
    await new MessageRefStore(database.db).saveRef(subject, teamsRef);

    await r.store.transaction(async (uow) => {
      await uow.outbox.enqueue('msg:card:approvals', text('card', { kind: 'channel', channel: 'approvals' }, subject));
      await uow.outbox.enqueue('msg:card:carol', text('card', { kind: 'user', principalId: 'carol@example.com' }, subject));
    });
    await settled('msg:card:approvals');
    await settled('msg:card:carol');

    const posted = r.messenger.sent.map((s) => s.ref);
    const refs = new MessageRefStore(database.db);
    expect(await refs.refsFor(subject, 'slack')).toEqual(expect.arrayContaining(posted));
    expect(await refs.refsFor(subject, 'slack')).toHaveLength(2);

    const decided: Notice = { kind: 'text', text: 'approved by Carol' };
    await r.enqueue('update:R-7:decided:slack', { type: 'update', platform: 'slack', subject, notice: decided });
    await settled('update:R-7:decided:slack');

    expect(r.messenger.updated).toHaveLength(2);
    expect(r.messenger.updated.map((u) => u.ref)).toEqual(expect.arrayContaining(posted));
    expect(r.messenger.updated.every((u) => u.notice.kind === 'text' && u.notice.text === 'approved by Carol')).toBe(true);
  });
});

describe('batch reads', () => {
  /** A subject's state the core would read, with every read counted. */
  function counted() {
    const state = { text: 'waiting' };
    const reads = { one: 0, many: 0, manyNotices: 0, refsFor: 0, refsForMany: 0, refsKeys: 0 };
    const now = (n: Notice): Notice => (n.kind === 'text' && n.text.startsWith('card') ? { kind: 'text', text: state.text } : n);
    const store = new MessageRefStore(database.db);
    const refs: DispatcherOptions['refs'] = {
      saveRef: (subject, ref) => store.saveRef(subject, ref),
      refsFor: (subject, platform) => {
        reads.refsFor++;
        return store.refsFor(subject, platform);
      },
      refsForMany: (keys) => {
        reads.refsForMany++;
        reads.refsKeys += keys.length;
        return store.refsForMany(keys);
      },
    };
    return {
      state,
      reads,
      refs,
      currentNotice: async (n: Notice) => {
        reads.one++;
        return now(n);
      },
      currentNotices: async (ns: readonly Notice[]) => {
        reads.many++;
        reads.manyNotices += ns.length;
        return ns.map(now);
      },
    };
  }

  it('a claimed batch of 200 updates reads its state and its message references in one query each', async () => {
    const c = counted();
    const r = rig({ refs: c.refs, currentNotice: c.currentNotice, currentNotices: c.currentNotices });
    const store = new MessageRefStore(database.db);
    for (let i = 0; i < 200; i++) await store.saveRef(`request:R-${i}`, { platform: 'slack', conversation: `D${i}`, messageId: `m${i}` });
    // Updates of subjects with no message on this platform are skipped without reading their state.
    await store.saveRef('request:R-teams', { platform: 'teams', conversation: '19:x', messageId: 'act' });
    await r.startIdle();
    c.state.text = 'approved by Carol';
    await r.store.transaction(async (uow) => {
      for (let i = 0; i < 200; i++) await uow.outbox.enqueue(`update:R-${i}`, { type: 'update', platform: 'slack', subject: `request:R-${i}`, notice: { kind: 'text', text: 'card' } });
      await uow.outbox.enqueue('update:R-teams', { type: 'update', platform: 'slack', subject: 'request:R-teams', notice: { kind: 'text', text: 'card' } });
    });
    await r.dispatcher.drained();

    expect(r.messenger.updated).toHaveLength(200);
    expect(new Set(r.messenger.updated.map((u) => u.ref.messageId)).size).toBe(200);
    expect(r.messenger.updated.every((u) => u.notice.kind === 'text' && u.notice.text === 'approved by Carol')).toBe(true);
    expect(c.reads).toMatchObject({ one: 0, many: 1, manyNotices: 201, refsFor: 0, refsForMany: 1, refsKeys: 201 });
  });

  it('a row whose turn comes more than a second after its batch was read reads its state again', async () => {
    const c = counted();
    const messenger = new RecordingMessenger();
    messenger.delayMs = 450;
    const r = rig({ messenger, refs: c.refs, currentNotice: c.currentNotice, currentNotices: c.currentNotices, dispatcher: { concurrency: 1 } });
    const store = new MessageRefStore(database.db);
    for (let i = 0; i < 4; i++) await store.saveRef(`request:R-${i}`, { platform: 'slack', conversation: `D${i}`, messageId: `m${i}` });
    await r.startIdle();
    await r.store.transaction(async (uow) => {
      for (let i = 0; i < 4; i++) await uow.outbox.enqueue(`update:R-${i}`, { type: 'update', platform: 'slack', subject: `request:R-${i}`, notice: { kind: 'text', text: 'card' } });
    });
    await waitFor(() => r.messenger.updated.length >= 1, 'the first update');
    c.state.text = 'approved by Carol';
    await waitFor(() => r.messenger.updated.length === 4, 'all four updates');

    const texts = r.messenger.updated.map((u) => (u.notice.kind === 'text' ? u.notice.text : u.notice.kind));
    // The rows start about 0, 0.45, 0.9 and 1.35 s after the batch read: only the last is past the second it may be used for.
    expect(texts[0]).toBe('waiting');
    expect(texts[3]).toBe('approved by Carol');
    expect(c.reads.many).toBeGreaterThanOrEqual(2);
  });
});

describe('message refs: an update that raced a send', () => {
  /** A subject whose state can change while a copy of it is being sent. */
  function racing() {
    const subject = { state: 'waiting' };
    class SendsWhileItChanges extends RecordingMessenger {
      changeDuringSend = false;
      override async send(to: Recipient, notice: Notice): Promise<MessageRef> {
        const ref = await super.send(to, notice);
        // The decision commits, and its update is delivered, before this copy's reference is saved.
        if (this.changeDuringSend) subject.state = 'approved by Carol';
        return ref;
      }
    }
    const messenger = new SendsWhileItChanges();
    const r = rig({ messenger, currentNotice: async (n) => (n.kind === 'text' ? { kind: 'text', text: subject.state } : n) });
    return { r, messenger };
  }

  it('brings the copy it just sent up to date when the subject changed meanwhile', async () => {
    const { r, messenger } = racing();
    messenger.changeDuringSend = true;
    await r.startIdle();
    await r.enqueue('msg:card:approvals', text('card', { kind: 'channel', channel: 'approvals' }, 'request:R-9'));
    await settled('msg:card:approvals');
    expect(messenger.sent).toHaveLength(1);
    expect(messenger.sent[0]?.notice).toEqual({ kind: 'text', text: 'waiting' });
    expect(messenger.updated).toEqual([{ ref: messenger.sent[0]?.ref, notice: { kind: 'text', text: 'approved by Carol' } }]);
  });

  it('leaves a copy alone when nothing changed, and sends nothing twice when the catch-up update fails', async () => {
    const { r, messenger } = racing();
    await r.startIdle();
    await r.enqueue('msg:card:a', text('card', { kind: 'channel', channel: 'approvals' }, 'request:R-10'));
    await settled('msg:card:a');
    expect(messenger.updated).toEqual([]);

    messenger.changeDuringSend = true;
    const send = messenger.send.bind(messenger);
    messenger.send = async (to, notice) => {
      const ref = await send(to, notice);
      messenger.failNext(1, () => new DeliveryError('chat.update failed'));
      return ref;
    };
    await r.enqueue('msg:card:b', text('card', { kind: 'channel', channel: 'approvals' }, 'request:R-11'));
    await settled('msg:card:b');
    expect(messenger.sent).toHaveLength(2);
    expect(messenger.updated).toEqual([]);
    expect((await rowByKey('msg:card:b')).deliveredAt).not.toBeNull();
    expect((await rowByKey('msg:card:b')).attempts).toBe(1);
  });
});

describe('grants', () => {
  it('completes the request once the provider accepts the grant', async () => {
    const r = rig();
    await r.startIdle();

    await r.enqueue('grant:R-1', { type: 'grant', target: target() });
    await settled('grant:R-1');

    expect(r.hooks.completed).toEqual(['R-1']);
    expect(r.hooks.failed).toEqual([]);
    // The target survives the jsonb round trip with its end as a Date.
    expect((r.provider as RecordingProvider).granted).toEqual([target()]);
    expect((await rowByKey('grant:R-1')).deliveredAt).toBeInstanceOf(Date);
  });

  it('fails the request when the provider keeps refusing the grant, and withdraws whatever it may have applied', async () => {
    const provider = new RecordingProvider();
    provider.failGrant = () => new DeliveryError('webhook timed out');
    const r = rig({ provider, dispatcher: { giveUpAfterMs: 200 } });
    await r.startIdle();

    const t = target({ requestId: 'R-2', assignmentId: 'A-2' });
    await r.enqueue('grant:R-2', { type: 'grant', target: t });
    await waitFor(() => r.hooks.dead.length === 1, 'the grant to be given up');

    expect(provider.grantCalls).toBeGreaterThanOrEqual(3);
    expect(r.hooks.failed).toEqual([{ requestId: 'R-2', reason: 'webhook timed out' }]);
    expect(r.hooks.completed).toEqual([]);
    expect((await rowByKey('grant:R-2')).deadAt).toBeInstanceOf(Date);
    // A timed-out webhook may have granted: no access may outlive the failed request.
    expect(provider.revoked).toEqual([t]);
    expect(r.hooks.revokeFailed).toEqual([]);
  });

  it('reports a revoke the provider refuses for good', async () => {
    const provider = new RecordingProvider();
    provider.failRevoke = () => new DeliveryError('no such role binding', undefined, true);
    const r = rig({ provider });
    await r.startIdle();

    await r.enqueue('revoke:A-3', { type: 'revoke', target: target({ assignmentId: 'A-3' }) });
    await waitFor(() => r.hooks.dead.length === 1, 'the revoke to be given up');

    expect(r.hooks.revokeFailed).toEqual([{ target: target({ assignmentId: 'A-3' }), reason: 'no such role binding' }]);
    expect(provider.revokeCalls).toBe(1);
  });
});

describe('robustness', () => {
  it('does not retry a delivery that happened when marking it delivered fails, and the batch goes on', async () => {
    const queue = new OutboxQueue(database.db);
    let failOnce = true;
    // A queue whose first markDelivered fails, as a dropped connection would.
    const r = rig({
      dispatcher: {
        queue: {
          claimDue: queue.claimDue.bind(queue),
          reschedule: queue.reschedule.bind(queue),
          defer: queue.defer.bind(queue),
          markDead: queue.markDead.bind(queue),
          nextDueAt: queue.nextDueAt.bind(queue),
          markDelivered: async (id, at) => {
            if (failOnce) {
              failOnce = false;
              throw new Error('connection reset');
            }
            await queue.markDelivered(id, at);
          },
        },
      },
    });
    r.dispatcher.start();

    await r.store.transaction(async (uow) => {
      for (let i = 0; i < 5; i++) await uow.outbox.enqueue(`msg:batch:${i}`, text(`batch ${i}`));
    });
    await waitFor(() => r.messenger.sent.length === 5, 'the whole batch');
    await sleep(200); // many backoffs of 20 ms

    expect(r.messenger.sent).toHaveLength(5);
    const rows = await database.db.select().from(outbox);
    // One row stays leased (it is retried only when its lease runs out); none counts as failed.
    expect(rows.filter((row) => row.deliveredAt !== null)).toHaveLength(4);
    expect(rows.every((row) => row.lastError === null && row.attempts === 1)).toBe(true);

    // The loop is still alive.
    await r.enqueue('msg:after', text('after'));
    await waitFor(() => r.messenger.sent.length === 6, 'a later message');
  });

  it('falls back to the backoff when a retry-after is not a number', async () => {
    const r = rig({ messenger: new RecordingMessenger().failNext(1, () => new DeliveryError('bad Retry-After header', Number.NaN)) });
    await r.startIdle();

    await r.enqueue('msg:nan', text('still arrives'));
    await settled('msg:nan');

    expect(r.messenger.sent).toHaveLength(1);
    expect((await rowByKey('msg:nan')).deliveredAt).toBeInstanceOf(Date);
  });

  it('leaves rows whose lease is nearly over to the next claim instead of racing another dispatcher', async () => {
    const log: string[] = [];
    const tuning = { leaseMs: 400 };
    const a = rig({ messenger: new RecordingMessenger('slack', log), dispatcher: tuning });
    const b = rig({ messenger: new RecordingMessenger('slack', log), dispatcher: tuning });
    // Each send takes 100 ms; one subject keeps the five rows in one lane, delivered in turn.
    a.messenger.delayMs = 100;
    b.messenger.delayMs = 100;
    await Promise.all([a.startIdle(), b.startIdle()]);

    await a.store.transaction(async (uow) => {
      for (let i = 0; i < 5; i++) await uow.outbox.enqueue(`msg:lane:${i}`, text(`lane ${i}`, undefined, 'request:R-9'));
    });
    b.dispatcher.wake();
    await waitFor(async () => {
      const rows = await database.db.select().from(outbox);
      return rows.length === 5 && rows.every((row) => row.deliveredAt !== null);
    }, 'the lane to be delivered');

    expect([...log].sort()).toEqual(['lane 0', 'lane 1', 'lane 2', 'lane 3', 'lane 4']);
  });
});
