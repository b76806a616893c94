import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text } from 'drizzle-orm/pg-core';
import { type AssignmentType, REQUEST_STATES, type RequestKind, type RequestState } from '../core/index.js';
import { oneOf, timestamptz } from './columns.js';

export const REQUEST_KINDS: readonly RequestKind[] = ['activate', 'extend', 'renew', 'assign'];

/** Activation, extension, renewal and assignment requests; `state` moves only by compare-and-set. */
export const requests = pgTable(
  'requests',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<RequestKind>().notNull(),
    principalId: text('principal_id').notNull(),
    role: text('role').notNull(),
    scope: text('scope').notNull(),
    durationMs: bigint('duration_ms', { mode: 'number' }).notNull(),
    reason: text('reason'),
    ticket: text('ticket'),
    startAt: timestamptz('start_at'),
    state: text('state').$type<RequestState>().notNull(),
    createdAt: timestamptz('created_at').notNull(),
    approvalDeadline: timestamptz('approval_deadline'),
    decidedBy: text('decided_by'),
    decidedAt: timestamptz('decided_at'),
    decisionReason: text('decision_reason'),
    assignmentId: text('assignment_id'),
    targetAssignmentId: text('target_assignment_id'),
    assignmentType: text('assignment_type').$type<AssignmentType>(),
    failureReason: text('failure_reason'),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [
    check('requests_kind_check', oneOf(t.kind, REQUEST_KINDS)),
    check('requests_state_check', oneOf(t.state, REQUEST_STATES)),
    check('requests_assignment_type_check', oneOf(t.assignmentType, ['eligible', 'active'])),
    index('requests_principal_idx').on(t.principalId, t.createdAt),
    index('requests_state_idx').on(t.state, t.createdAt),
    // The deadline loop's two questions: which pending requests time out, which scheduled ones start.
    index('requests_approval_deadline_idx').on(t.approvalDeadline).where(sql`${t.state} = 'pending_approval'`),
    index('requests_scheduled_start_idx').on(t.startAt).where(sql`${t.state} = 'scheduled'`),
  ],
);
