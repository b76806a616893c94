import { and, asc, desc, eq, inArray, lte, min, sql, type SQL } from 'drizzle-orm';
import type { Clock, PimRequest, RequestQuery, RequestRepo, RequestState } from '../../core/index.js';
import type { Db } from '../client.js';
import { requests } from '../requests.sql.js';

type RequestRow = typeof requests.$inferSelect;

export function toRequest(row: RequestRow): PimRequest {
  return {
    id: row.id,
    kind: row.kind,
    principalId: row.principalId,
    role: row.role,
    scope: row.scope,
    durationMs: row.durationMs,
    reason: row.reason,
    ticket: row.ticket,
    startAt: row.startAt,
    state: row.state,
    createdAt: row.createdAt,
    approvalDeadline: row.approvalDeadline,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt,
    decisionReason: row.decisionReason,
    assignmentId: row.assignmentId,
    targetAssignmentId: row.targetAssignmentId,
    assignmentType: row.assignmentType,
    failureReason: row.failureReason,
    updatedAt: row.updatedAt,
  };
}

/** Requests on one transaction (or the bare database). */
export class DrizzleRequestRepo implements RequestRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async insert(r: PimRequest): Promise<void> {
    await this.db.insert(requests).values({ ...r });
  }

  async get(id: string): Promise<PimRequest | null> {
    const [row] = await this.db.select().from(requests).where(eq(requests.id, id));
    return row ? toRequest(row) : null;
  }

  /** Newest first. */
  async find(q: RequestQuery): Promise<PimRequest[]> {
    const where: SQL[] = [];
    if (q.ids !== undefined) {
      if (q.ids.length === 0) return [];
      where.push(sql`${requests.id} = any(${sql.param(q.ids)}::text[])`);
    }
    if (q.principalId !== undefined) where.push(eq(requests.principalId, q.principalId));
    if (q.role !== undefined) where.push(eq(requests.role, q.role));
    if (q.states !== undefined) {
      if (q.states.length === 0) return [];
      where.push(inArray(requests.state, q.states));
    }
    const query = this.db
      .select()
      .from(requests)
      .where(and(...where))
      .orderBy(desc(requests.createdAt), desc(requests.id));
    const rows = q.limit !== undefined ? await query.limit(q.limit) : await query;
    return rows.map(toRequest);
  }

  async transition(
    id: string,
    from: RequestState[],
    patch: Partial<PimRequest> & { state: RequestState },
  ): Promise<PimRequest | null> {
    if (from.length === 0) return null;
    // Everything but the key may change; one UPDATE ... WHERE state IN (...) is the compare-and-set.
    const { id: _ignored, ...changes } = patch;
    const [row] = await this.db
      .update(requests)
      .set({ ...changes, updatedAt: patch.updatedAt ?? this.clock.now() })
      .where(and(eq(requests.id, id), inArray(requests.state, from)))
      .returning();
    return row ? toRequest(row) : null;
  }

  async transitionMany(ids: string[], from: RequestState[], patch: { state: RequestState; updatedAt: Date }): Promise<string[]> {
    if (ids.length === 0 || from.length === 0) return [];
    // The ids as one array parameter: an expiry batch moves a thousand requests at once.
    const rows = await this.db
      .update(requests)
      .set({ state: patch.state, updatedAt: patch.updatedAt })
      .where(and(sql`${requests.id} = any(${sql.param(ids)}::text[])`, inArray(requests.state, from)))
      .returning({ id: requests.id });
    return rows.map((r) => r.id);
  }

  async claimTimedOut(at: Date, limit: number): Promise<PimRequest[]> {
    const rows = await this.db
      .select()
      .from(requests)
      .where(and(eq(requests.state, 'pending_approval'), lte(requests.approvalDeadline, at)))
      .orderBy(asc(requests.approvalDeadline))
      .limit(limit)
      .for('update', { skipLocked: true });
    return rows.map(toRequest);
  }

  async claimDueScheduled(at: Date, limit: number): Promise<PimRequest[]> {
    const rows = await this.db
      .select()
      .from(requests)
      .where(and(eq(requests.state, 'scheduled'), lte(requests.startAt, at)))
      .orderBy(asc(requests.startAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return rows.map(toRequest);
  }

  async nextDeadline(): Promise<Date | null> {
    const [pending] = await this.db
      .select({ at: min(requests.approvalDeadline) })
      .from(requests)
      .where(eq(requests.state, 'pending_approval'));
    const [scheduled] = await this.db
      .select({ at: min(requests.startAt) })
      .from(requests)
      .where(eq(requests.state, 'scheduled'));
    return earliest(pending?.at ?? null, scheduled?.at ?? null);
  }
}

export function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}
