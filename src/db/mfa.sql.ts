import { bigint, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/** TOTP secrets and the last time step used, so a code is accepted only once. */
export const mfaSecrets = pgTable('mfa_secrets', {
  principalId: text('principal_id').primaryKey(),
  secret: text('secret').notNull(),
  enrolledAt: timestamptz('enrolled_at').notNull(),
  lastStep: bigint('last_step', { mode: 'number' }).notNull().default(0),
});
