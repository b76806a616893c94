/**
 * The inbox: requests a chat platform was told "received" (Slack's ack) before their work ran.
 * Each is written, with its body, into the same row that deduplicates its retries
 * (`dedupe_keys`), before the ack goes out; the row is done once the request is fully handled.
 * The transaction that makes the request's change sets `ran_at` (src/db/store.ts, through
 * src/inbox-context.ts), so whoever finishes a dead node's request knows whether to run it or
 * only to answer it. Rows are claimed by node (src/db/nodes.ts): a dead node's are taken over.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { BatchLoader } from '../batch-loader.js';
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

  /** Requests arriving together share one insert, and so one commit, before their acks. */
  private readonly accepts = new BatchLoader<{ key: string; body: InboxBody; now: Date }, boolean>((items) => this.acceptMany(items), 200);

  /**
   * Records an acked request under its dedupe key; false when the key was seen before (a retry
   * or a double click), which is then dropped. Requests accepted while an insert is being
   * committed are written together by the next one (group commit): under a burst the ack waits
   * for one commit shared by many requests, not one commit each.
   */
  accept(key: string, body: InboxBody, now: Date): Promise<boolean> {
    return this.accepts.load({ key, body, now });
  }

  /** One statement for many requests; a key twice in one batch is accepted for its first caller only. */
  private async acceptMany(items: readonly { key: string; body: InboxBody; now: Date }[]): Promise<boolean[]> {
    const firsts = new Map<string, number>();
    items.forEach((item, i) => {
      if (!firsts.has(item.key)) firsts.set(item.key, i);
    });
    const rows = await this.db
      .insert(dedupeKeys)
      .values([...firsts.values()].map((i) => {
        const item = items[i] as (typeof items)[number];
        return { key: item.key, createdAt: item.now, body: item.body, claimedBy: this.node, attempts: 1 };
      }))
      .onConflictDoNothing({ target: dedupeKeys.key })
      .returning({ key: dedupeKeys.key });
    const inserted = new Set(rows.map((r) => r.key));
    return items.map((item, i) => inserted.has(item.key) && firsts.get(item.key) === i);
  }

  /** Requests finished together are marked done in one statement. */
  private readonly dones = new BatchLoader<{ key: string; now: Date }, void>((items) => this.doneMany(items), 200);

  /** The request is fully handled: nothing more is owed. Marks finishing together share a statement. */
  done(key: string, now: Date): Promise<void> {
    return this.dones.load({ key, now });
  }

  private async doneMany(items: readonly { key: string; now: Date }[]): Promise<void[]> {
    // Each row keeps its own time; a key twice in a batch keeps its first.
    const keys = items.map((i) => i.key);
    const ats = items.map((i) => i.now.toISOString());
    await this.db.execute(sql`
      update ${dedupeKeys} set done_at = v.at
      from (select distinct on (key) key, at from unnest(${sql.param(keys)}::text[], ${sql.param(ats)}::text[]::timestamptz[]) with ordinality as u(key, at, n) order by key, n) as v
      where ${dedupeKeys.key} = any(${sql.param(keys)}::text[]) and ${dedupeKeys.key} = v.key and ${dedupeKeys.doneAt} is null`);
    return items.map(() => undefined);
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
