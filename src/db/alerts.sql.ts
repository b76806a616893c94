import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/**
 * Security alerts (src/core/alerts): one row per incident. `key` names the condition (the same
 * condition found again has the same key); at most one open or dismissed row per key, so two
 * replicas scanning at once cannot raise one incident twice. A resolved row is history.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    rule: text('rule').notNull(),
    key: text('key').notNull(),
    severity: text('severity').notNull(),
    state: text('state').notNull(),
    subject: jsonb('subject').$type<Record<string, string>>().notNull(),
    facts: jsonb('facts').$type<Record<string, unknown>>().notNull(),
    measure: integer('measure').notNull(),
    since: timestamptz('since'),
    openedAt: timestamptz('opened_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
    resolvedAt: timestamptz('resolved_at'),
    dismissedAt: timestamptz('dismissed_at'),
    dismissedBy: text('dismissed_by'),
    dismissReason: text('dismiss_reason'),
  },
  (t) => [
    uniqueIndex('alerts_live_key_idx').on(t.key).where(sql`${t.state} in ('open', 'dismissed')`),
    index('alerts_state_idx').on(t.state, t.openedAt),
  ],
);
