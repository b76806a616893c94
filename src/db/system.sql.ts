import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/**
 * Keys already handled (Slack retries, double clicks), and the inbox: a request acked before its
 * work ran is kept here with its body until it is done, so a replica can finish what a dead one
 * acked (src/db/inbox.ts). Pruned by age once done.
 */
export const dedupeKeys = pgTable(
  'dedupe_keys',
  {
    key: text('key').primaryKey(),
    createdAt: timestamptz('created_at').notNull(),
    /** The acked request, as the platform sent it (null: a plain dedupe key). */
    body: jsonb('body').$type<InboxBody>(),
    /** The node working on it (src/db/nodes.ts). */
    claimedBy: integer('claimed_by'),
    attempts: integer('attempts').notNull().default(0),
    /** Set in the transaction that made the request's change, so a takeover never makes it twice. */
    ranAt: timestamptz('ran_at'),
    /** Fully handled (answered); nothing more is owed. */
    doneAt: timestamptz('done_at'),
  },
  (t) => [
    index('dedupe_keys_created_at_idx').on(t.createdAt),
    // Takeover scans only the acked requests still owed.
    index('dedupe_keys_owed_idx').on(t.createdAt).where(sql`${t.body} is not null and ${t.doneAt} is null`),
  ],
);

/** An inbox request: what the receiver got, enough to run it again through the same listeners. */
export interface InboxBody {
  body: Record<string, unknown>;
  retryNum?: number;
  retryReason?: string;
}

/**
 * Shared rate limits (src/db/rate-limits.ts): one row per limited key, holding its GCRA
 * theoretical arrival time in epoch milliseconds, so every replica paces against the same clock.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  tatMs: bigint('tat_ms', { mode: 'number' }).notNull(),
});

/** Small facts about this database, e.g. `bootstrap_applied`. */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
});
