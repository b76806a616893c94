import { and, desc, eq, gte, like, sql, type SQL } from 'drizzle-orm';
import type { AuditEvent, AuditInput, AuditRepo, AuditVerification } from '../../core/index.js';
import { auditHash, GENESIS_HASH } from '../audit-hash.js';
import { auditEvents } from '../audit.sql.js';
import type { Db } from '../client.js';
import { verifyAuditChain } from '../audit-verify.js';

/** Transaction-level advisory lock that serialises appends to the chain ('pim_aud'). */
export const AUDIT_LOCK_KEY = 0x70696d5f617564n;

type AuditRow = typeof auditEvents.$inferSelect;

export function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** `LIKE` pattern matching strings that start with `prefix` literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type AuditFilter = Omit<Parameters<AuditRepo['list']>[0], 'limit'>;

/** The rows a `list` or `count` filter keeps. `detailsMatch` compares each key's text value (`details->>key`). */
function auditWhere(q: AuditFilter): SQL | undefined {
  const where: SQL[] = [];
  if (q.actor !== undefined) where.push(eq(auditEvents.actor, q.actor));
  if (q.subjectPrefix !== undefined && q.subjectPrefix !== '') where.push(like(auditEvents.subject, likePrefix(q.subjectPrefix)));
  if (q.since !== undefined) where.push(gte(auditEvents.at, q.since));
  for (const [key, value] of Object.entries(q.detailsMatch ?? {})) {
    where.push(sql`${auditEvents.details} ->> ${key} = ${value}`);
  }
  return and(...where);
}

export class DrizzleAuditRepo implements AuditRepo {
  /** The chain's head as this transaction left it; valid while it holds the chain lock. */
  private head: { seq: number; hash: string } | null = null;
  /** Appends of this transaction, one after another even when the caller does not await each. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Rows hashed but not yet written: inserted together by `flush` (one statement per chunk). */
  private pending: AuditEvent[] = [];

  constructor(private readonly db: Db) {}

  /**
   * Holds the chain lock until the transaction ends, so appends from concurrent transactions
   * take consecutive sequence numbers in commit order and each links to the one before.
   */
  append(e: AuditInput): Promise<AuditEvent> {
    const next = this.tail.then(() => this.appendNow(e));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async appendNow(e: AuditInput): Promise<AuditEvent> {
    if (!this.head) {
      await this.db.execute(sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_LOCK_KEY.toString())})`);
      const [last] = await this.db
        .select({ seq: auditEvents.seq, hash: auditEvents.hash })
        .from(auditEvents)
        .orderBy(desc(auditEvents.seq))
        .limit(1);
      this.head = last ?? { seq: 0, hash: GENESIS_HASH };
    }
    // Hash what jsonb will give back: JSON drops undefined members and turns Dates into strings.
    const details = JSON.parse(JSON.stringify(e.details ?? {})) as Record<string, unknown>;
    const event: Omit<AuditEvent, 'hash'> = {
      seq: this.head.seq + 1,
      at: e.at,
      actor: e.actor,
      action: e.action,
      subject: e.subject,
      details,
      prevHash: this.head.hash,
    };
    const full: AuditEvent = { ...event, hash: auditHash(event) };
    this.pending.push(full);
    this.head = { seq: full.seq, hash: full.hash };
    return full;
  }

  /** Rows this transaction has written so far (the store reports them once it commits). */
  readonly written: AuditEvent[] = [];

  /** Writes the buffered rows; the store calls it before commit (and `list` before reading). */
  async flush(): Promise<void> {
    await this.tail;
    while (this.pending.length > 0) {
      const chunk = this.pending.splice(0, 2000);
      // One JSON parameter for the whole chunk: building a multi-row VALUES list costs far more
      // on the client than the insert costs the server (10,000 expiries write 10,000 rows).
      const json = JSON.stringify(
        chunk.map((e) => ({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, subject: e.subject, details: e.details, prev_hash: e.prevHash, hash: e.hash })),
      );
      await this.db.execute(sql`
        insert into ${auditEvents} (seq, at, actor, action, subject, details, prev_hash, hash)
        select seq, at, actor, action, subject, details, prev_hash, hash
        from json_to_recordset(${json}::json)
          as x(seq bigint, at timestamptz, actor text, action text, subject text, details jsonb, prev_hash text, hash text)`);
      this.written.push(...chunk);
    }
  }

  /** Newest first. `detailsMatch` compares each key's text value (`details->>key`). */
  async list(q: {
    actor?: string;
    subjectPrefix?: string;
    since?: Date;
    limit?: number;
    detailsMatch?: Record<string, string>;
  }): Promise<AuditEvent[]> {
    await this.flush();
    const query = this.db
      .select()
      .from(auditEvents)
      .where(auditWhere(q))
      .orderBy(desc(auditEvents.seq));
    const rows = q.limit !== undefined ? await query.limit(q.limit) : await query;
    return rows.map(toAuditEvent);
  }

  /** How many rows `list` would give without its limit. */
  async count(q: AuditFilter): Promise<number> {
    await this.flush();
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(auditWhere(q));
    return Number(row?.n ?? 0);
  }

  /** `verifyAuditChain` on this transaction, after its own buffered rows are written. */
  async verify(): Promise<AuditVerification> {
    await this.flush();
    return verifyAuditChain(this.db);
  }
}
