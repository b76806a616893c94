import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { AssignmentType, Review, ReviewDecision, ReviewItem, ReviewRepo, ReviewState } from '../../core/index.js';
import type { Db } from '../client.js';
import { reviewItems, reviews } from '../reviews.sql.js';

type ReviewRow = typeof reviews.$inferSelect;
type ItemRow = typeof reviewItems.$inferSelect;

function toReview(r: ReviewRow): Review {
  return { ...r, state: r.state as ReviewState };
}

function toItem(r: ItemRow): ReviewItem {
  return {
    id: r.id,
    reviewId: r.reviewId,
    assignmentId: r.assignmentId,
    principalId: r.principalId,
    role: r.role,
    scope: r.scope,
    type: r.type as AssignmentType,
    assignmentStartsAt: r.assignmentStartsAt,
    assignmentEndsAt: r.assignmentEndsAt,
    reviewers: r.reviewers,
    fallback: r.fallback,
    recommendation: { decision: r.recommendation as ReviewDecision | null, reason: r.recommendationReason },
    lastActivationAt: r.lastActivationAt,
    activations: r.activations,
    decision: r.decision as ReviewDecision | null,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
    reason: r.reason,
    applied: r.applied as ReviewDecision | null,
    appliedAt: r.appliedAt,
  };
}

/** Rows per insert statement: well under PostgreSQL's 65,535 bind parameters. */
const INSERT_CHUNK = 500;

export class DrizzleReviewRepo implements ReviewRepo {
  constructor(private readonly db: Db) {}

  async insert(r: Review, items: ReviewItem[]): Promise<void> {
    await this.db.insert(reviews).values(r);
    for (let k = 0; k < items.length; k += INSERT_CHUNK) {
      await this.db.insert(reviewItems).values(
        items.slice(k, k + INSERT_CHUNK).map((i) => ({
          ...i,
          recommendation: i.recommendation.decision,
          recommendationReason: i.recommendation.reason,
        })),
      );
    }
  }

  async get(id: string, opts: { forShare?: boolean } = {}): Promise<Review | null> {
    const q = this.db.select().from(reviews).where(eq(reviews.id, id));
    const [row] = opts.forShare ? await q.for('share') : await q;
    return row ? toReview(row) : null;
  }

  async find(states: ReviewState[]): Promise<Review[]> {
    if (states.length === 0) return [];
    const rows = await this.db.select().from(reviews).where(inArray(reviews.state, states)).orderBy(asc(reviews.startsAt), asc(reviews.id));
    return rows.map(toReview);
  }

  async transition(id: string, from: ReviewState[], patch: Partial<Pick<Review, 'endedAt' | 'endedBy' | 'appliedAt' | 'appliedBy'>> & { state: ReviewState }): Promise<Review | null> {
    const [row] = await this.db
      .update(reviews)
      .set(patch)
      .where(and(eq(reviews.id, id), inArray(reviews.state, from)))
      .returning();
    return row ? toReview(row) : null;
  }

  async claimEnded(at: Date, limit: number): Promise<Review[]> {
    const rows = await this.db
      .select()
      .from(reviews)
      .where(and(eq(reviews.state, 'open'), lte(reviews.endsAt, at)))
      .orderBy(asc(reviews.endsAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return rows.map(toReview);
  }

  async hasRun(definition: string, startsAt: Date): Promise<boolean> {
    const [row] = await this.db
      .select({ id: reviews.id })
      .from(reviews)
      .where(and(eq(reviews.definition, definition), eq(reviews.startsAt, startsAt)));
    return row !== undefined;
  }

  async items(reviewId: string): Promise<ReviewItem[]> {
    const rows = await this.db.select().from(reviewItems).where(eq(reviewItems.reviewId, reviewId)).orderBy(asc(reviewItems.principalId), asc(reviewItems.scope), asc(reviewItems.id));
    return rows.map(toItem);
  }

  async openItemsFor(principalId: string): Promise<ReviewItem[]> {
    const rows = await this.db
      .select({ item: reviewItems })
      .from(reviewItems)
      .innerJoin(reviews, eq(reviews.id, reviewItems.reviewId))
      .where(and(eq(reviews.state, 'open'), sql`${reviewItems.reviewers} @> ${JSON.stringify([principalId])}::jsonb`))
      .orderBy(asc(reviewItems.principalId), asc(reviewItems.scope), asc(reviewItems.id));
    return rows.map((r) => toItem(r.item));
  }

  async getItem(id: string): Promise<ReviewItem | null> {
    const [row] = await this.db.select().from(reviewItems).where(eq(reviewItems.id, id));
    return row ? toItem(row) : null;
  }

  async decide(itemId: string, d: { decision: ReviewDecision; by: string; at: Date; reason: string | null }): Promise<ReviewItem | null> {
    const [row] = await this.db
      .update(reviewItems)
      .set({ decision: d.decision, decidedBy: d.by, decidedAt: d.at, reason: d.reason })
      .where(and(eq(reviewItems.id, itemId), isNull(reviewItems.appliedAt)))
      .returning();
    return row ? toItem(row) : null;
  }

  async markApplied(itemId: string, applied: ReviewDecision | null, at: Date): Promise<ReviewItem | null> {
    const [row] = await this.db
      .update(reviewItems)
      .set({ applied, appliedAt: at })
      .where(and(eq(reviewItems.id, itemId), isNull(reviewItems.appliedAt)))
      .returning();
    return row ? toItem(row) : null;
  }

  async markReminded(reviewId: string, which: 'halfway' | '1d', at: Date): Promise<boolean> {
    const column = which === 'halfway' ? reviews.remindedHalfwayAt : reviews.remindedLastDayAt;
    const rows = await this.db
      .update(reviews)
      .set(which === 'halfway' ? { remindedHalfwayAt: at } : { remindedLastDayAt: at })
      .where(and(eq(reviews.id, reviewId), isNull(column)))
      .returning({ id: reviews.id });
    return rows.length > 0;
  }
}
