import { bigint, bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/**
 * TOTP secrets and the last time step used, so a code is accepted only once. `secret` holds the
 * secret encrypted (AES-256-GCM, `v1.<key id>.…`, src/mfa/secret-box.ts), never the plaintext;
 * rows written before encryption are encrypted in place at start. `locked_until`: MFA refuses
 * every code of this principal until then (too many wrong codes).
 */
export const mfaSecrets = pgTable('mfa_secrets', {
  principalId: text('principal_id').primaryKey(),
  secret: text('secret').notNull(),
  enrolledAt: timestamptz('enrolled_at').notNull(),
  lastStep: bigint('last_step', { mode: 'number' }).notNull().default(0),
  lockedUntil: timestamptz('locked_until'),
});

/**
 * Wrong MFA codes, one row each, counted over the lockout window. Written in the transaction that
 * checked the code while it holds the principal's `mfa_secrets` row (FOR UPDATE), so concurrent
 * checks on any replica count one after another. A right code clears them.
 */
export const mfaFailures = pgTable(
  'mfa_failures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    principalId: text('principal_id').notNull(),
    at: timestamptz('at').notNull(),
  },
  (t) => [index('mfa_failures_principal_at_idx').on(t.principalId, t.at)],
);
