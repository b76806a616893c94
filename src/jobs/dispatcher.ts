/**
 * The outbox dispatcher: delivers what committed transactions queued (chat notices, card
 * updates, grants, revokes). Rows are claimed with a lease (FOR UPDATE SKIP LOCKED), so any
 * number of dispatchers in any number of replicas share the work and each row is handled by one
 * of them at a time. It wakes when a transaction commits (in-process signal, LISTEN/NOTIFY from
 * other replicas) and polls slowly only as a safety net.
 */
import { DEFAULT_GIVE_UP_AFTER_MS } from '../config/pim-config.js';
import { type Clock, DeliveryError, type GrantProvider, type GrantTarget, type MessageRef, type Messenger, type Notice, type OutboxPayload, type Platform } from '../core/index.js';
import { Alarm } from './alarm.js';
import { BatchLoader } from '../batch-loader.js';

export interface OutboxRow {
  id: number;
  dedupeKey: string;
  payload: OutboxPayload;
  attempts: number;
  createdAt: Date;
}

/** The queue operations the dispatcher needs (implemented in src/db). */
export interface OutboxQueue {
  /** Leases due rows to `node` (rows of a dead node count as due). */
  claimDue(now: Date, limit: number, leaseMs: number, node?: number): Promise<OutboxRow[]>;
  markDelivered(id: number, at: Date): Promise<void>;
  /** Settles several delivered rows in one statement; without it each is settled on its own. */
  markDeliveredMany?(marks: readonly { id: number; at: Date }[]): Promise<void>;
  reschedule(id: number, at: Date, error: string): Promise<void>;
  /** Like reschedule, but the attempt the claim counted is taken back: the platform asked to wait. */
  defer(id: number, at: Date, error: string): Promise<void>;
  markDead(id: number, at: Date, error: string): Promise<void>;
  nextDueAt(): Promise<Date | null>;
}

export interface MessageRefStore {
  saveRef(subject: string, ref: MessageRef): Promise<void>;
  refsFor(subject: string, platform?: Platform): Promise<MessageRef[]>;
  /** `refsFor` of several subjects in one query, in the order asked; without it each is read alone. */
  refsForMany?(keys: readonly { subject: string; platform: Platform }[]): Promise<MessageRef[][]>;
}

/** What the dispatcher reports back to the core. */
export interface DispatchHooks {
  currentNotice(notice: Notice): Promise<Notice>;
  /** `currentNotice` of several notices in one read, in the order given; without it each is read alone. */
  currentNotices?(notices: readonly Notice[]): Promise<Notice[]>;
  completeGrant(requestId: string): Promise<unknown>;
  failGrant(requestId: string, reason: string): Promise<unknown>;
  /** A revoke (or the withdrawal of a grant given up on) the provider could not carry out. */
  revokeFailed(target: GrantTarget, reason: string): Promise<void>;
  /** A row given up on after its last attempt; record it visibly. */
  deadLettered(row: OutboxRow, error: string): Promise<void>;
  /** A message reached a named channel (a failing-channel alert for it can resolve). */
  channelReached?(channel: string): Promise<void>;
}

export interface DispatcherLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatcherMetrics {
  delivered?(type: string, platform: string, latencyMs: number): void;
  failed?(type: string, platform: string, final: boolean): void;
}

export interface DispatcherOptions {
  queue: OutboxQueue;
  refs: MessageRefStore;
  messengers: () => Messenger[];
  provider: GrantProvider;
  hooks: DispatchHooks;
  clock: Clock;
  logger: DispatcherLogger;
  metrics?: DispatcherMetrics;
  /**
   * How long a row that keeps failing (for real: rate limits never count) is retried, from when
   * it was queued, before it is dead-lettered. Errors the platform calls permanent end it at once.
   */
  giveUpAfterMs?: number;
  /** This process's node id (src/db/nodes.ts): its claims are taken over when it dies. */
  node?: number;
  /** First retry delay; doubles each attempt up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Safety-net poll when no signal arrives; also how soon a dead node's rows are taken over. */
  pollMs?: number;
  batchSize?: number;
  /** How long a claimed row stays leased to this dispatcher. */
  leaseMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Delivered rows whose mark may still be being written before a worker waits for it (DeliveredMarks). */
  unsettledLimit?: number;
}

export class Dispatcher {
  private readonly o: Required<Omit<DispatcherOptions, 'metrics' | 'node'>> & { metrics: DispatcherMetrics; node: number | undefined };
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly alarm = new Alarm();
  private readonly marks: DeliveredMarks;
  /** The workers' reads, gathered: a busy batch brings its cards up to date in a few queries. */
  private readonly notices: BatchLoader<Notice, Notice> | null;
  private readonly refs: BatchLoader<{ subject: string; platform: Platform }, MessageRef[]> | null;
  /** Callers of drained() waiting for a pass that finds nothing due. */
  private waiting: (() => void)[] = [];

  constructor(options: DispatcherOptions) {
    this.o = {
      giveUpAfterMs: DEFAULT_GIVE_UP_AFTER_MS,
      baseBackoffMs: 1_000,
      maxBackoffMs: 5 * 60_000,
      pollMs: 2_000,
      batchSize: 500,
      leaseMs: 60_000,
      concurrency: 8,
      unsettledLimit: 32,
      node: undefined,
      metrics: {},
      ...options,
    };
    this.marks = new DeliveredMarks(this.o.queue, this.o.logger, this.o.unsettledLimit);
    const { currentNotices } = this.o.hooks;
    const { refsForMany } = this.o.refs;
    this.notices = currentNotices ? new BatchLoader((ns) => currentNotices.call(this.o.hooks, ns)) : null;
    this.refs = refsForMany ? new BatchLoader((keys) => refsForMany.call(this.o.refs, keys)) : null;
  }

  private currentNotice(n: Notice): Promise<Notice> {
    return this.notices ? this.notices.load(n) : this.o.hooks.currentNotice(n);
  }

  private refsFor(subject: string, platform: Platform): Promise<MessageRef[]> {
    return this.refs ? this.refs.load({ subject, platform }) : this.o.refs.refsFor(subject, platform);
  }

  /** Starts the delivery loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking new rows and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = null;
    for (const done of this.waiting.splice(0)) done();
  }

  /** Signals that new rows were committed. */
  wake(): void {
    this.alarm.ring();
  }

  /**
   * Resolves once the loop, looking again after this call, finds nothing due: what was due by
   * now has been delivered or has failed and waits for its retry. At once when not running.
   */
  drained(): Promise<void> {
    if (!this.running) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.wake();
    return done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.alarm.reset();
      let n: number;
      try {
        n = await this.runOnce();
      } catch (err) {
        this.o.logger.error({ err }, 'outbox dispatch failed; will retry');
        await this.sleep(this.o.pollMs);
        continue;
      }
      if (n > 0 || this.alarm.signalled) continue;
      for (const done of this.waiting.splice(0)) done();
      let wait = this.o.pollMs;
      try {
        const next = await this.o.queue.nextDueAt();
        if (next) wait = Math.max(0, Math.min(wait, next.getTime() - this.o.clock.now().getTime()));
      } catch {
        // the poll interval is the fallback
      }
      await this.sleep(wait);
    }
  }

  private async sleep(ms: number): Promise<void> {
    if (this.running) await this.alarm.sleep(ms);
  }

  /** Claims and delivers one batch of due rows; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claimedAt = this.o.clock.now();
    const rows = await this.o.queue.claimDue(claimedAt, this.o.batchSize, this.o.leaseMs, this.o.node);
    // A row whose lease is nearly over by its turn is left alone: another dispatcher may claim it
    // once the lease ends, and starting it now could deliver it twice.
    const startBy = claimedAt.getTime() + Math.floor(this.o.leaseMs * 0.75);
    // Rows for the same subject keep their order; different subjects go in parallel.
    const lanes = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const key = laneOf(row.payload);
      lanes.set(key, [...(lanes.get(key) ?? []), row]);
    }
    const primed = await this.prime(rows);
    const queue = [...lanes.values()];
    const workers = Array.from({ length: Math.min(this.o.concurrency, queue.length) }, async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const row of lane) {
          if (this.o.clock.now().getTime() > startBy) continue;
          try {
            await this.handle(row, primed);
          } catch (err) {
            // Settling failed (the database, most likely). The row stays leased and is taken
            // again when the lease runs out; the rest of the batch goes on.
            this.o.logger.error({ err, outboxId: row.id, dedupeKey: row.dedupeKey }, 'could not settle an outbox item; it is retried after its lease');
          }
        }
      }
    });
    await Promise.all(workers);
    await this.marks.idle();
    return rows.length;
  }

  /**
   * Reads, for a whole claimed batch at once, what its rows will need: the current state of the
   * notices they carry and where the subjects they update were posted. A row uses these only if
   * its turn comes within PRIMED_FRESH_MS (else it reads its own): a value is always newer than
   * the row, and never much older than what a read at delivery time would see. Without the
   * batch reads, or when they fail, each row reads its own.
   */
  private async prime(rows: readonly OutboxRow[]): Promise<Primed | null> {
    const { currentNotices } = this.o.hooks;
    const { refsForMany } = this.o.refs;
    if (!currentNotices || !refsForMany || rows.length < 2) return null;
    const carrying = rows.flatMap((r) => (r.payload.type === 'message' || r.payload.type === 'update' ? [{ id: r.id, payload: r.payload }] : []));
    const updates = carrying.flatMap(({ id, payload: p }) => (p.type === 'update' ? [{ id, subject: p.subject, platform: p.platform }] : []));
    try {
      const at = this.o.clock.now().getTime();
      const [notices, refs] = await Promise.all([currentNotices.call(this.o.hooks, carrying.map((c) => c.payload.notice)), updates.length ? refsForMany.call(this.o.refs, updates) : Promise.resolve([])]);
      return {
        at,
        notices: new Map(carrying.map((c, i) => [c.id, notices[i] as Notice])),
        refs: new Map(updates.map((u, i) => [u.id, refs[i] as MessageRef[]])),
      };
    } catch (err) {
      this.o.logger.warn({ err, rows: rows.length }, 'could not read the state of a batch of outbox items at once; each reads its own');
      return null;
    }
  }

  private async handle(row: OutboxRow, primed: Primed | null = null): Promise<void> {
    const p = row.payload;
    const platform = 'platform' in p ? p.platform : 'provider';
    try {
      await this.deliver(row, primed && this.o.clock.now().getTime() - primed.at <= PRIMED_FRESH_MS ? primed : null);
    } catch (err) {
      await this.failed(row, err);
      return;
    }
    // Outside the try: a delivery that happened must not be retried or dead-lettered as failed.
    // Settled at once (see DeliveredMarks for what a crash can then repeat).
    const now = this.o.clock.now();
    this.o.metrics.delivered?.(p.type, platform, now.getTime() - row.createdAt.getTime());
    await this.marks.mark(row.id, now);
  }

  private async failed(row: OutboxRow, err: unknown): Promise<void> {
    const p = row.payload;
    const platform = 'platform' in p ? p.platform : 'provider';
    const now = this.o.clock.now();
    const message = err instanceof Error ? err.message : String(err);
    const permanent = err instanceof DeliveryError && err.permanent;
    const retryAfter = err instanceof DeliveryError ? saneDelay(err.retryAfterMs) : undefined;
    const age = now.getTime() - row.createdAt.getTime();
    if (err instanceof DeliveryError && err.rateLimited && age < this.o.giveUpAfterMs) {
      // Waiting out a rate limit is not a failure: it takes back the attempt and only time ends it.
      const wait = retryAfter ?? this.o.baseBackoffMs;
      await this.o.queue.defer(row.id, new Date(now.getTime() + wait), message);
      this.o.metrics.failed?.(p.type, platform, false);
      this.o.logger.info({ outboxId: row.id, dedupeKey: row.dedupeKey, retryInMs: wait, err: message }, 'outbox item rate-limited; waiting as asked');
      return;
    }
    if (permanent || age >= this.o.giveUpAfterMs) {
      await this.o.queue.markDead(row.id, now, message);
      this.o.metrics.failed?.(p.type, platform, true);
      this.o.logger.error({ outboxId: row.id, dedupeKey: row.dedupeKey, attempts: row.attempts, err: message }, 'outbox item failed for good');
      await this.giveUp(row, message);
      return;
    }
    const delay = retryAfter ?? this.backoff(row.attempts);
    await this.o.queue.reschedule(row.id, new Date(now.getTime() + delay), message);
    this.o.metrics.failed?.(p.type, platform, false);
    this.o.logger.warn({ outboxId: row.id, dedupeKey: row.dedupeKey, attempts: row.attempts, retryInMs: delay, err: message }, 'outbox item will be retried');
  }

  private backoff(attempts: number): number {
    const exp = Math.min(this.o.maxBackoffMs, this.o.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  private messenger(platform: Platform): Messenger | undefined {
    return this.o.messengers().find((m) => m.platform === platform);
  }

  private async deliver(row: OutboxRow, primed: Primed | null): Promise<void> {
    const p = row.payload;
    switch (p.type) {
      case 'message': {
        const m = this.messenger(p.platform);
        if (!m || !m.canReach(p.to)) return; // nobody to tell on this platform
        const notice = primed?.notices.get(row.id) ?? (await this.currentNotice(p.notice));
        const ref = await m.send(p.to, notice);
        if (p.subject) {
          await this.o.refs.saveRef(p.subject, ref);
          await this.catchUp(m, ref, p.notice, notice);
        }
        if (p.to.kind === 'channel' && this.o.hooks.channelReached) await this.channelReached(p.to.channel);
        return;
      }
      case 'update': {
        const m = this.messenger(p.platform);
        if (!m) return;
        // Nothing posted about the subject on this platform (yet: a send in flight catches up itself).
        const refs = primed?.refs.get(row.id) ?? (await this.refsFor(p.subject, p.platform));
        if (refs.length === 0) return;
        const notice = primed?.notices.get(row.id) ?? (await this.currentNotice(p.notice));
        for (const ref of refs) await m.update(ref, notice);
        return;
      }
      case 'grant':
        await this.o.provider.grant(p.target);
        if (p.target.requestId) await this.o.hooks.completeGrant(p.target.requestId);
        return;
      case 'revoke':
        await this.o.provider.revoke(p.target);
        return;
    }
  }

  /**
   * An update of a subject (a decision on a request) delivered while this copy of it was being
   * sent found no reference to the copy yet, so it left the copy as it was. Whatever changed
   * committed before that update was queued, so reading the subject again now, after the
   * reference is saved, sees it: the copy is brought up to date here. Never throws: the message
   * itself was delivered, and a retry would send it twice.
   */
  private async catchUp(m: Messenger, ref: MessageRef, queued: Notice, sent: Notice): Promise<void> {
    try {
      const now = await this.currentNotice(queued);
      if (JSON.stringify(now) !== JSON.stringify(sent)) await m.update(ref, now);
    } catch (err) {
      this.o.logger.warn({ err, ref }, 'could not bring a message that changed while it was sent up to date; it shows the state it was sent with');
    }
  }

  /** Never throws: the message was delivered, and a retry would send it twice. */
  private async channelReached(channel: string): Promise<void> {
    try {
      await this.o.hooks.channelReached?.(channel);
    } catch (err) {
      this.o.logger.warn({ err, channel }, 'could not resolve the failing-channel alert of a channel that took a message');
    }
  }

  private async giveUp(row: OutboxRow, error: string): Promise<void> {
    const p = row.payload;
    const steps: (() => Promise<unknown>)[] = [];
    if (p.type === 'grant') {
      const { target } = p;
      steps.push(() => this.withdrawGrant(target));
      if (target.requestId) steps.push(() => this.o.hooks.failGrant(target.requestId as string, error));
    }
    if (p.type === 'revoke') steps.push(() => this.o.hooks.revokeFailed(p.target, error));
    steps.push(() => this.o.hooks.deadLettered(row, error));
    // Each step on its own: one that fails must not keep the others from happening.
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.o.logger.error({ err, outboxId: row.id }, 'could not record a failed outbox item');
      }
    }
  }

  /**
   * A grant given up on may still have happened (a webhook that applied it and then timed out,
   * or a provider that granted before the confirmation failed), and nothing would ever take it
   * back: the request is failed and no assignment exists to expire. Revoking is idempotent by
   * assignment id, so it is safe when the grant never happened.
   */
  private async withdrawGrant(target: GrantTarget): Promise<void> {
    try {
      await this.o.provider.revoke(target);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.o.logger.error({ assignmentId: target.assignmentId, err: message }, 'could not revoke a grant that was given up on');
      await this.o.hooks.revokeFailed(target, message);
    }
  }
}

/**
 * Marks delivered rows as delivered the moment they are delivered, with no timer: a mark is
 * written at once when no settling statement is running, and marks that arrive while one runs go
 * together in the next (group commit). A burst of fast deliveries then costs one statement per
 * round trip instead of one per row, and a lone delivery is settled in one round trip.
 *
 * A worker goes on to its next row while its mark is written, unless `limit` rows are already
 * delivered and unsettled: then it waits. So a crash can repeat at most the deliveries in flight
 * plus `limit` rows (and, against a real platform whose answer takes longer than a settling
 * statement, hardly ever more than the deliveries in flight).
 */
class DeliveredMarks {
  private waiting: { id: number; at: Date; done: () => void }[] = [];
  private writing = 0;
  private draining = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: OutboxQueue,
    private readonly logger: DispatcherLogger,
    private readonly limit: number,
  ) {}

  /** Resolves once the row is settled, or at once while fewer than `limit` rows are unsettled. */
  mark(id: number, at: Date): Promise<void> {
    const settled = new Promise<void>((done) => this.waiting.push({ id, at, done }));
    if (!this.draining) {
      this.draining = true;
      this.drained = this.drain();
    }
    return this.waiting.length + this.writing <= this.limit ? Promise.resolve() : settled;
  }

  /** Resolves when every mark so far is written (or given up on, logged). */
  idle(): Promise<void> {
    return this.drained;
  }

  private async drain(): Promise<void> {
    try {
      // The rows other workers deliver in this turn of the event loop share the statement: a
      // mark waits for no timer, only for what is already done.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0);
        this.writing = batch.length;
        try {
          await this.write(batch);
        } finally {
          this.writing = 0;
          for (const m of batch) m.done();
        }
        // The workers just released deliver their next rows in the next turn: let them join.
        if (this.waiting.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  private async write(batch: { id: number; at: Date }[]): Promise<void> {
    try {
      if (this.queue.markDeliveredMany && batch.length > 1) return await this.queue.markDeliveredMany(batch);
    } catch (err) {
      this.logger.warn({ err, rows: batch.length }, 'could not settle delivered outbox items together; settling each on its own');
    }
    for (const m of batch) {
      try {
        await this.queue.markDelivered(m.id, m.at);
      } catch (err) {
        // The row stays leased: it is sent again only after its lease, or when this node dies.
        this.logger.error({ err, outboxId: m.id }, 'could not settle a delivered outbox item; it is retried after its lease');
      }
    }
  }
}

/** How long a batch's state read at its claim stands in for a row's own read (Dispatcher.prime). */
const PRIMED_FRESH_MS = 1_000;

/** What `Dispatcher.prime` read for a batch, by outbox row id, and when. */
interface Primed {
  at: number;
  notices: Map<number, Notice>;
  refs: Map<number, MessageRef[]>;
}

/** A retry-after that is not a sane number (a bad header) is no retry-after: the caller falls back. */
function saneDelay(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function laneOf(p: OutboxPayload): string {
  switch (p.type) {
    case 'message':
      return p.subject ? `s:${p.subject}` : `m:${Math.random()}`;
    case 'update':
      return `s:${p.subject}`;
    case 'grant':
    case 'revoke':
      return `a:${p.target.assignmentId}`;
  }
}
