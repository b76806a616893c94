import { and, asc, count, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, min, or, sql, type SQL } from 'drizzle-orm';
import type { Assignment, AssignmentQuery, AssignmentRepo, AssignmentWarning } from '../../core/index.js';
import { assignments } from '../assignments.sql.js';
import type { Db } from '../client.js';

type AssignmentRow = typeof assignments.$inferSelect;

export function toAssignment(row: AssignmentRow): Assignment {
  return {
    id: row.id,
    principalId: row.principalId,
    role: row.role,
    scope: row.scope,
    type: row.type,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    requestId: row.requestId,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    endedAt: row.endedAt,
    endReason: row.endReason,
    warnedAt: row.warnedAt,
    warned14dAt: row.warned14dAt,
    warned1dAt: row.warned1dAt,
  };
}

/** Not ended, started, and (if time-bound) not past its end at `at`. */
function currentAt(at: Date): SQL {
  return and(
    isNull(assignments.endedAt),
    lte(assignments.startsAt, at),
    or(isNull(assignments.endsAt), gt(assignments.endsAt, at)),
  )!;
}

/** Open time-bound assignments: not ended, with an end. */
const openTimeBound = and(isNull(assignments.endedAt), isNotNull(assignments.endsAt))!;

const warningColumn = (which: AssignmentWarning) => (which === '14d' ? assignments.warned14dAt : assignments.warned1dAt);

/**
 * Open time-bound assignments still owed the `which` warning: not activations (eligible, or active
 * and made by an admin), not warned yet, and begun at least `leadMs` before their end (one
 * assigned for 10 days gets no 14-day warning).
 */
function owedWarning(which: AssignmentWarning, leadMs: number): SQL {
  return and(
    openTimeBound,
    or(eq(assignments.type, 'eligible'), isNull(assignments.requestId)),
    isNull(warningColumn(which)),
    sql`${assignments.startsAt} + (${leadMs}::double precision * interval '1 millisecond') <= ${assignments.endsAt}`,
  )!;
}

export class DrizzleAssignmentRepo implements AssignmentRepo {
  constructor(private readonly db: Db) {}

  async insert(a: Assignment): Promise<void> {
    await this.db.insert(assignments).values({ ...a });
  }

  async get(id: string): Promise<Assignment | null> {
    const [row] = await this.db.select().from(assignments).where(eq(assignments.id, id));
    return row ? toAssignment(row) : null;
  }

  /** Ordered by start, then id. */
  async find(q: AssignmentQuery): Promise<Assignment[]> {
    const where: SQL[] = [];
    if (q.principalId !== undefined) where.push(eq(assignments.principalId, q.principalId));
    if (q.ids !== undefined) {
      if (q.ids.length === 0) return [];
      where.push(sql`${assignments.id} = any(${sql.param(q.ids)}::text[])`);
    }
    if (q.principalIds !== undefined) {
      if (q.principalIds.length === 0) return [];
      where.push(sql`${assignments.principalId} = any(${sql.param(q.principalIds)}::text[])`);
    }
    if (q.role !== undefined) where.push(eq(assignments.role, q.role));
    if (q.scope !== undefined) where.push(eq(assignments.scope, q.scope));
    if (q.type !== undefined) where.push(eq(assignments.type, q.type));
    if (q.currentAt !== undefined) where.push(currentAt(q.currentAt));
    const rows = await this.db
      .select()
      .from(assignments)
      .where(and(...where))
      .orderBy(asc(assignments.startsAt), asc(assignments.id));
    return rows.map(toAssignment);
  }

  async end(id: string, at: Date, reason: NonNullable<Assignment['endReason']>): Promise<Assignment | null> {
    const [row] = await this.db
      .update(assignments)
      .set({ endedAt: at, endReason: reason })
      .where(and(eq(assignments.id, id), isNull(assignments.endedAt)))
      .returning();
    return row ? toAssignment(row) : null;
  }

  /** Also clears the warnings sent: the holder is warned again before the new end. */
  async setEnd(id: string, endsAt: Date | null): Promise<Assignment | null> {
    const [row] = await this.db
      .update(assignments)
      .set({ endsAt, warnedAt: null, warned14dAt: null, warned1dAt: null })
      .where(and(eq(assignments.id, id), isNull(assignments.endedAt)))
      .returning();
    return row ? toAssignment(row) : null;
  }

  async markWarned(id: string, at: Date): Promise<boolean> {
    const rows = await this.db
      .update(assignments)
      .set({ warnedAt: at })
      .where(and(eq(assignments.id, id), isNull(assignments.warnedAt)))
      .returning({ id: assignments.id });
    return rows.length > 0;
  }

  /** Earliest end first. */
  async claimEnded(at: Date, limit: number): Promise<Assignment[]> {
    const rows = await this.db
      .select()
      .from(assignments)
      .where(and(openTimeBound, lte(assignments.endsAt, at)))
      .orderBy(asc(assignments.endsAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return rows.map(toAssignment);
  }

  async expireDue(at: Date, limit: number): Promise<Assignment[]> {
    const due = this.db
      .select({ id: assignments.id })
      .from(assignments)
      .where(and(openTimeBound, lte(assignments.endsAt, at)))
      .orderBy(asc(assignments.endsAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    // `= any(array(...))`: each row is found by its key (`in (...)` would hash-join a scan of every assignment ever made).
    const rows = await this.db
      .update(assignments)
      .set({ endedAt: sql`${assignments.endsAt}`, endReason: 'expired' })
      .where(and(sql`${assignments.id} = any(array(${due}))`, isNull(assignments.endedAt)))
      .returning();
    return rows.map(toAssignment).sort((a, b) => (a.endsAt?.getTime() ?? 0) - (b.endsAt?.getTime() ?? 0));
  }

  async dueForWarning(at: Date, horizonMs: number, limit: number, only?: { role: string; scope: string }[]): Promise<Assignment[]> {
    if (only?.length === 0) return [];
    const pairs = only?.map((p) => and(eq(assignments.role, p.role), eq(assignments.scope, p.scope)));
    const rows = await this.db
      .select()
      .from(assignments)
      .where(
        and(
          openTimeBound,
          eq(assignments.type, 'active'),
          isNull(assignments.warnedAt),
          lte(assignments.startsAt, at),
          gt(assignments.endsAt, at),
          lte(assignments.endsAt, new Date(at.getTime() + horizonMs)),
          pairs ? or(...pairs) : undefined,
        ),
      )
      .orderBy(asc(assignments.endsAt))
      .limit(limit);
    return rows.map(toAssignment);
  }

  async nextWarningEnds(): Promise<{ role: string; scope: string; endsAt: Date }[]> {
    const rows = await this.db
      .select({ role: assignments.role, scope: assignments.scope, endsAt: min(assignments.endsAt) })
      .from(assignments)
      .where(and(openTimeBound, eq(assignments.type, 'active'), isNull(assignments.warnedAt)))
      .groupBy(assignments.role, assignments.scope);
    return rows.flatMap((r) => (r.endsAt ? [{ role: r.role, scope: r.scope, endsAt: r.endsAt }] : []));
  }

  async dueForAssignmentWarning(which: AssignmentWarning, leadMs: number, at: Date, limit: number): Promise<Assignment[]> {
    const rows = await this.db
      .select()
      .from(assignments)
      .where(and(owedWarning(which, leadMs), gt(assignments.endsAt, at), lte(assignments.endsAt, new Date(at.getTime() + leadMs))))
      .orderBy(asc(assignments.endsAt), asc(assignments.id))
      .limit(limit);
    return rows.map(toAssignment);
  }

  async markAssignmentWarned(ids: string[], which: AssignmentWarning, at: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const column = warningColumn(which);
    const rows = await this.db
      .update(assignments)
      .set(which === '14d' ? { warned14dAt: at } : { warned1dAt: at })
      .where(and(inArray(assignments.id, ids), isNull(column)))
      .returning({ id: assignments.id });
    return rows.map((r) => r.id);
  }

  async nextAssignmentWarningEnd(which: AssignmentWarning, leadMs: number): Promise<Date | null> {
    const [row] = await this.db.select({ at: min(assignments.endsAt) }).from(assignments).where(owedWarning(which, leadMs));
    return row?.at ?? null;
  }

  /** Oldest first. */
  async createdBetween(from: Date, to: Date): Promise<Assignment[]> {
    const rows = await this.db
      .select()
      .from(assignments)
      .where(and(gte(assignments.createdAt, from), lt(assignments.createdAt, to)))
      .orderBy(asc(assignments.createdAt), asc(assignments.id));
    return rows.map(toAssignment);
  }

  async nextEnd(): Promise<Date | null> {
    const [row] = await this.db.select({ at: min(assignments.endsAt) }).from(assignments).where(openTimeBound);
    return row?.at ?? null;
  }

  /** All rows, ended or not (the bootstrap asks whether the database is empty). */
  async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(assignments);
    return row?.n ?? 0;
  }
}
