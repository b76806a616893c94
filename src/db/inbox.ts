/**
 * The inbox: requests a chat platform was told "received" (Slack's ack) before their work ran.
 * Each is written, with its body, into the same row that deduplicates its retries
 * (`dedupe_keys`), before the ack goes out; the row is done once the request is fully handled.
 * The transaction that makes the request's change sets `ran_at` (src/db/store.ts, through
 * src/inbox-context.ts), so whoever finishes a dead node's request knows whether to run it or
 * only to answer it. Rows are claimed by node (src/db/nodes.ts): a dead node's are taken over.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { deadNode } from './nodes.js';
import { dedupeKeys, type InboxBody } from './system.sql.js';

export type { InboxBody } from './system.sql.js';

/** An acked request a dead node left, now claimed by this node. */
export interface OrphanedRequest {
  key: string;
  body: InboxBody;
  receivedAt: Date;
  /** The request's change committed before its node died: only its answer may be missing. */
  ran: boolean;
  /** Takeovers so far, this one included. */
  attempts: number;
}

export class InboxStore {
  constructor(
    private readonly db: Db,
    /** This process's node id: what it accepts is its own until it is done or the node dies. */
    private readonly node: number,
  ) {}

  /**
   * Records an acked request under its dedupe key; false when the key was seen before (a retry
   * or a double click), which is then dropped.
   */
  async accept(key: string, body: InboxBody, now: Date): Promise<boolean> {
    const rows = await this.db
      .insert(dedupeKeys)
      .values({ key, createdAt: now, body, claimedBy: this.node, attempts: 1 })
      .onConflictDoNothing({ target: dedupeKeys.key })
      .returning({ key: dedupeKeys.key });
    return rows.length > 0;
  }

  /** The request is fully handled: nothing more is owed. */
  async done(key: string, now: Date): Promise<void> {
    await this.db
      .update(dedupeKeys)
      .set({ doneAt: now })
      .where(and(eq(dedupeKeys.key, key), isNull(dedupeKeys.doneAt)));
  }

  /** Claims up to `limit` unfinished requests whose node is dead, oldest first. */
  async claimOrphans(limit: number): Promise<OrphanedRequest[]> {
    const owed = this.db
      .select({ key: dedupeKeys.key })
      .from(dedupeKeys)
      .where(and(sql`${dedupeKeys.body} is not null`, isNull(dedupeKeys.doneAt), deadNode(dedupeKeys.claimedBy)))
      .orderBy(dedupeKeys.createdAt)
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.db
      .update(dedupeKeys)
      .set({ claimedBy: this.node, attempts: sql`${dedupeKeys.attempts} + 1` })
      .where(sql`${dedupeKeys.key} = any(array(${owed}))`)
      .returning();
    return rows
      .map((r) => ({ key: r.key, body: r.body as InboxBody, receivedAt: r.createdAt, ran: r.ranAt !== null, attempts: r.attempts }))
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  /** Acked requests not yet done (all nodes): for metrics and tests. */
  async owed(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(dedupeKeys)
      .where(and(sql`${dedupeKeys.body} is not null`, isNull(dedupeKeys.doneAt)));
    return row?.n ?? 0;
  }
}

/**
 * Inside the transaction that makes the change of inbox row `key`: records that it ran, in the
 * same commit as the change itself.
 */
export async function markRan(tx: Db, key: string, now: Date): Promise<void> {
  await tx
    .update(dedupeKeys)
    .set({ ranAt: now })
    .where(and(eq(dedupeKeys.key, key), isNull(dedupeKeys.ranAt)));
}
