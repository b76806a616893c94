import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { OutboxPayload } from '../core/index.js';
import { timestamptz } from './columns.js';

/** Side effects written with the state change and delivered after commit, at least once. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    payload: jsonb('payload').$type<OutboxPayload>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull(),
    leaseUntil: timestamptz('lease_until'),
    /** The node (src/db/nodes.ts) holding the lease: a dead node's rows are taken over at once. */
    claimedBy: integer('claimed_by'),
    deliveredAt: timestamptz('delivered_at'),
    deadAt: timestamptz('dead_at'),
    lastError: text('last_error'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    // Only undelivered, live rows are ever scanned by the dispatcher.
    index('outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.deliveredAt} is null and ${t.deadAt} is null`),
    // The claim takes live rows oldest first: in id order without stepping over delivered rows.
    index('outbox_live_id_idx').on(t.id).where(sql`${t.deliveredAt} is null and ${t.deadAt} is null`),
  ],
);
