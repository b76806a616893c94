import { and, asc, count, eq, gt, inArray, isNotNull, isNull, lte, min, or, sql, type SQL } from 'drizzle-orm';
import type { AssignmentQuery, AssignmentRepo } from '../../core/ports.js';
import type { Assignment } from '../../core/types.js';
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

  /** Also clears `warnedAt`: the holder is warned again before the new end. */
  async setEnd(id: string, endsAt: Date | null): Promise<Assignment | null> {
    const [row] = await this.db
      .update(assignments)
      .set({ endsAt, warnedAt: null })
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
    const rows = await this.db
      .update(assignments)
      .set({ endedAt: sql`${assignments.endsAt}`, endReason: 'expired' })
      .where(and(inArray(assignments.id, due), isNull(assignments.endedAt)))
      .returning();
    return rows.map(toAssignment).sort((a, b) => (a.endsAt?.getTime() ?? 0) - (b.endsAt?.getTime() ?? 0));
  }

  async dueForWarning(at: Date, horizonMs: number, limit: number): Promise<Assignment[]> {
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
        ),
      )
      .orderBy(asc(assignments.endsAt))
      .limit(limit);
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
