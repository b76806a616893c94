/** The dispatcher's side of the outbox: claim due rows under a lease, then settle each one. */
import { and, asc, count, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { GrantTarget, OutboxItem, OutboxPayload } from '../core/index.js';
import type { Db } from './client.js';
import { deadNode } from './nodes.js';
import { outbox } from './outbox.sql.js';

export interface QueuedOutboxItem extends OutboxItem {
  payload: OutboxPayload;
  /** Attempts including the current one (incremented by the claim). */
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastError: string | null;
}

type OutboxRow = typeof outbox.$inferSelect;

/**
 * The payload as the core wrote it. jsonb turns a `GrantTarget`'s `endsAt` into an ISO string;
 * notices already carry dates as strings.
 */
export function revivePayload(payload: OutboxPayload): OutboxPayload {
  if (payload.type !== 'grant' && payload.type !== 'revoke') return payload;
  const endsAt = payload.target.endsAt as Date | string | null;
  const target: GrantTarget = { ...payload.target, endsAt: typeof endsAt === 'string' ? new Date(endsAt) : endsAt };
  return { ...payload, target };
}

function toQueued(row: OutboxRow): QueuedOutboxItem {
  return {
    id: row.id,
    dedupeKey: row.dedupeKey,
    payload: revivePayload(row.payload),
    attempts: row.attempts,
    createdAt: row.createdAt,
    nextAttemptAt: row.nextAttemptAt,
    leaseUntil: row.leaseUntil,
    lastError: row.lastError,
  };
}

const live = and(isNull(outbox.deliveredAt), isNull(outbox.deadAt))!;

/** Implements the dispatcher's `OutboxQueue` (src/jobs/dispatcher.ts). */
export class OutboxQueue {
  constructor(private readonly db: Db) {}

  /**
   * Leases up to `limit` due rows (oldest first) to `node` until `now + leaseMs` and counts the
   * attempt. Concurrent claimers (any replica) never get the same row while its lease runs and its
   * node lives; a row leased by a node that died (src/db/nodes.ts) is taken over at once.
   */
  async claimDue(now: Date, limit: number, leaseMs: number, node?: number): Promise<QueuedOutboxItem[]> {
    const free = or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, now), deadNode(outbox.claimedBy));
    const due = this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(live, lte(outbox.nextAttemptAt, now), free))
      .orderBy(asc(outbox.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    // `= any(array(...))`: each claimed row is found by its key (`in (...)` would hash-join a scan of the table).
    const rows = await this.db
      .update(outbox)
      .set({ leaseUntil: new Date(now.getTime() + leaseMs), claimedBy: node ?? null, attempts: sql`${outbox.attempts} + 1` })
      .where(sql`${outbox.id} = any(array(${due}))`)
      .returning();
    return rows.map(toQueued).sort((a, b) => a.id - b.id);
  }

  /** Settles a row for good; a row already delivered keeps its first delivery time. */
  async markDelivered(id: number, at: Date): Promise<void> {
    await this.db
      .update(outbox)
      .set({ deliveredAt: at, leaseUntil: null })
      .where(and(eq(outbox.id, id), isNull(outbox.deliveredAt)));
  }

  /**
   * `markDelivered` for several rows in one statement, each with its own delivery time (the
   * dispatcher settles together the rows its workers delivered while one such statement ran).
   * `id = any(...)` makes each row found by its key; the join alone would scan the table.
   */
  async markDeliveredMany(marks: readonly { id: number; at: Date }[]): Promise<void> {
    if (marks.length === 0) return;
    const ids = marks.map((m) => m.id);
    const ats = marks.map((m) => m.at.toISOString());
    await this.db.execute(sql`
      update ${outbox} set delivered_at = v.at, lease_until = null
      from unnest(${sql.param(ids)}::bigint[], ${sql.param(ats)}::text[]::timestamptz[]) as v(id, at)
      where ${outbox.id} = any(${sql.param(ids)}::bigint[]) and ${outbox.id} = v.id and ${outbox.deliveredAt} is null`);
  }

  /** Releases the lease and tries again at `at`. */
  async reschedule(id: number, at: Date, error: string): Promise<void> {
    await this.db
      .update(outbox)
      .set({ nextAttemptAt: at, leaseUntil: null, lastError: error })
      .where(and(eq(outbox.id, id), live));
  }

  /** Releases the lease, tries again at `at`, and takes back the attempt the claim counted. */
  async defer(id: number, at: Date, error: string): Promise<void> {
    await this.db
      .update(outbox)
      .set({ nextAttemptAt: at, leaseUntil: null, lastError: error, attempts: sql`greatest(0, ${outbox.attempts} - 1)` })
      .where(and(eq(outbox.id, id), live));
  }

  /** Gives up on a row: it is kept, with its last error, and never claimed again. */
  async markDead(id: number, at: Date, error: string): Promise<void> {
    await this.db
      .update(outbox)
      .set({ deadAt: at, leaseUntil: null, lastError: error })
      .where(and(eq(outbox.id, id), live));
  }

  /** Rows not yet delivered and not dead. */
  async depth(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(outbox).where(live);
    return row?.n ?? 0;
  }

  /** When the next live row can be claimed (its next attempt, or its lease running out), if any. */
  async nextDueAt(): Promise<Date | null> {
    const [row] = await this.db
      .select({ at: sql<Date | null>`min(greatest(${outbox.nextAttemptAt}, ${outbox.leaseUntil}))`.mapWith(outbox.nextAttemptAt) })
      .from(outbox)
      .where(live);
    return row?.at ?? null;
  }

  /** Dead rows, newest first (for `/pim` ops views and tests). */
  async dead(limit = 100): Promise<QueuedOutboxItem[]> {
    const rows = await this.db
      .select()
      .from(outbox)
      .where(sql`${outbox.deadAt} is not null`)
      .orderBy(sql`${outbox.deadAt} desc`)
      .limit(limit);
    return rows.map(toQueued);
  }
}
