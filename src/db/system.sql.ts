import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/** Keys already handled (Slack retries, double clicks); pruned by age. */
export const dedupeKeys = pgTable(
  'dedupe_keys',
  {
    key: text('key').primaryKey(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [index('dedupe_keys_created_at_idx').on(t.createdAt)],
);

/** Small facts about this database, e.g. `bootstrap_applied`. */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
});
