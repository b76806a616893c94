import { sql } from 'drizzle-orm';
import { check, index, pgTable, text } from 'drizzle-orm/pg-core';
import type { Assignment, AssignmentType } from '../core/index.js';
import { oneOf, timestamptz } from './columns.js';

export const END_REASONS: readonly NonNullable<Assignment['endReason']>[] = ['expired', 'deactivated', 'removed', 'revoked'];

/** Eligible and active role assignments; an ended assignment keeps its row with `ended_at` set. */
export const assignments = pgTable(
  'assignments',
  {
    id: text('id').primaryKey(),
    principalId: text('principal_id').notNull(),
    role: text('role').notNull(),
    scope: text('scope').notNull(),
    type: text('type').$type<AssignmentType>().notNull(),
    startsAt: timestamptz('starts_at').notNull(),
    endsAt: timestamptz('ends_at'),
    requestId: text('request_id'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    endedAt: timestamptz('ended_at'),
    endReason: text('end_reason').$type<NonNullable<Assignment['endReason']>>(),
    /** When the holder of an activation was warned `warnBefore` its end. */
    warnedAt: timestamptz('warned_at'),
    /** When the holder of a time-bound assignment was warned 14 days before its end. */
    warned14dAt: timestamptz('warned_14d_at'),
    /** When the holder of a time-bound assignment was warned 1 day before its end. */
    warned1dAt: timestamptz('warned_1d_at'),
  },
  (t) => [
    check('assignments_type_check', oneOf(t.type, ['eligible', 'active'])),
    check('assignments_end_reason_check', oneOf(t.endReason, END_REASONS)),
    index('assignments_principal_idx').on(t.principalId).where(sql`${t.endedAt} is null`),
    index('assignments_role_scope_idx').on(t.role, t.scope).where(sql`${t.endedAt} is null`),
    index('assignments_request_idx').on(t.requestId),
    // Expiry, warnings and the next wake-up all scan open time-bound assignments by end.
    index('assignments_open_ends_at_idx').on(t.endsAt).where(sql`${t.endedAt} is null and ${t.endsAt} is not null`),
  ],
);
