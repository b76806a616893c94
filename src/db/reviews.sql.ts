import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ReviewReviewers, ReviewSettings } from '../core/index.js';
import { oneOf, timestamptz } from './columns.js';

/**
 * Access reviews (src/core/reviews): one row per run. `definition` and `starts_at` name the run of
 * a recurring review, unique, so two replicas opening the same run make one.
 */
export const reviews = pgTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    scope: text('scope'),
    reviewers: jsonb('reviewers').$type<ReviewReviewers>().notNull(),
    settings: jsonb('settings').$type<ReviewSettings>().notNull(),
    state: text('state').notNull(),
    createdBy: text('created_by').notNull(),
    startsAt: timestamptz('starts_at').notNull(),
    endsAt: timestamptz('ends_at').notNull(),
    endedAt: timestamptz('ended_at'),
    endedBy: text('ended_by'),
    appliedAt: timestamptz('applied_at'),
    appliedBy: text('applied_by'),
    definition: text('definition'),
    remindedHalfwayAt: timestamptz('reminded_halfway_at'),
    remindedLastDayAt: timestamptz('reminded_last_day_at'),
  },
  (t) => [
    check('reviews_state_check', oneOf(t.state, ['open', 'ended', 'applied'])),
    index('reviews_open_ends_at_idx').on(t.endsAt).where(sql`${t.state} = 'open'`),
    uniqueIndex('reviews_definition_run_idx').on(t.definition, t.startsAt).where(sql`${t.definition} is not null`),
  ],
);

/** One row per assignment under review; `reviewers` holds the principal ids who may decide it. */
export const reviewItems = pgTable(
  'review_items',
  {
    id: text('id').primaryKey(),
    reviewId: text('review_id')
      .notNull()
      .references(() => reviews.id),
    assignmentId: text('assignment_id').notNull(),
    principalId: text('principal_id').notNull(),
    role: text('role').notNull(),
    scope: text('scope').notNull(),
    type: text('type').notNull(),
    assignmentStartsAt: timestamptz('assignment_starts_at').notNull(),
    assignmentEndsAt: timestamptz('assignment_ends_at'),
    reviewers: jsonb('reviewers').$type<string[]>().notNull(),
    fallback: boolean('fallback').notNull(),
    recommendation: text('recommendation'),
    recommendationReason: text('recommendation_reason').notNull(),
    lastActivationAt: timestamptz('last_activation_at'),
    activations: integer('activations').notNull(),
    decision: text('decision'),
    decidedBy: text('decided_by'),
    decidedAt: timestamptz('decided_at'),
    reason: text('reason'),
    applied: text('applied'),
    appliedAt: timestamptz('applied_at'),
  },
  (t) => [
    check('review_items_decision_check', oneOf(t.decision, ['keep', 'remove'])),
    uniqueIndex('review_items_review_assignment_idx').on(t.reviewId, t.assignmentId),
    index('review_items_reviewers_idx').using('gin', t.reviewers),
  ],
);
