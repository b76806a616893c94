/** Proves the audit trail is whole: every row present, unaltered, and linked to the one before. */
import { asc, gt } from 'drizzle-orm';
import { auditHash, GENESIS_HASH } from './audit-hash.js';
import { auditEvents } from './audit.sql.js';
import type { Db } from './client.js';
import { toAuditEvent } from './repos/audit.js';

export type AuditVerification =
  | { ok: true; count: number }
  /**
   * `missing`: no row with sequence number `seq` (deleted);
   * `altered`: row `seq` does not hash to its stored hash;
   * `broken_link`: row `seq` does not point at the previous row's hash (that row was rewritten with a new hash).
   */
  | { ok: false; seq: number; problem: 'altered' | 'missing' | 'broken_link' };

/** Walks the chain in sequence order, a page at a time, and reports the first problem. */
export async function verifyAuditChain(db: Db, pageSize = 1000): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.seq, expectedSeq - 1))
      .orderBy(asc(auditEvents.seq))
      .limit(pageSize);
    for (const row of rows) {
      const e = toAuditEvent(row);
      if (e.seq !== expectedSeq) return { ok: false, seq: expectedSeq, problem: 'missing' };
      const { hash, ...content } = e;
      if (auditHash(content) !== hash) return { ok: false, seq: e.seq, problem: 'altered' };
      if (e.prevHash !== prevHash) return { ok: false, seq: e.seq, problem: 'broken_link' };
      prevHash = hash;
      expectedSeq += 1;
    }
    if (rows.length < pageSize) return { ok: true, count: expectedSeq - 1 };
  }
}
