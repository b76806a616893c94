/** Proves the audit trail is whole: every row present, unaltered, and linked to the one before. */
import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { auditHash, GENESIS_HASH } from './audit-hash.js';
import { auditEvents } from './audit.sql.js';
import type { Db } from './client.js';
import type { AuditVerification } from '../core/index.js';
import { MetaStore } from './meta.js';
import { toAuditEvent } from './repos/audit.js';

/** Where retention pruning stopped: the last pruned row's sequence number and hash (src/db/audit-retention.ts). */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
}

export const META_AUDIT_CHECKPOINT = 'audit_checkpoint';

/** The audit action a retention prune writes; its details name the checkpoint it left. */
export const AUDIT_PRUNED_ACTION = 'audit.pruned';

export type { AuditVerification };

/**
 * Walks the chain in sequence order, a page at a time, and reports the first problem. After a
 * retention prune the walk starts at the checkpoint, which must be the one an `audit.pruned` row
 * of the chain itself recorded.
 */
export async function verifyAuditChain(db: Db, pageSize = 1000): Promise<AuditVerification> {
  const checkpoint = await new MetaStore(db).get<AuditCheckpoint>(META_AUDIT_CHECKPOINT);
  if (checkpoint && !(await checkpointRecorded(db, checkpoint))) return { ok: false, seq: checkpoint.seq, problem: 'bad_checkpoint' };
  let expectedSeq = checkpoint ? checkpoint.seq + 1 : 1;
  let prevHash = checkpoint ? checkpoint.hash : GENESIS_HASH;
  let count = 0;
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
      count += 1;
    }
    if (rows.length < pageSize) return checkpoint ? { ok: true, count, prunedThrough: checkpoint.seq } : { ok: true, count };
  }
}

/** Whether the newest `audit.pruned` row still in the chain names `checkpoint` (the walk then proves that row). */
async function checkpointRecorded(db: Db, checkpoint: AuditCheckpoint): Promise<boolean> {
  const [row] = await db
    .select({ details: auditEvents.details })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, AUDIT_PRUNED_ACTION), gt(auditEvents.seq, checkpoint.seq)))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  const d = row?.details as { throughSeq?: unknown; throughHash?: unknown } | undefined;
  return d !== undefined && d.throughSeq === checkpoint.seq && d.throughHash === checkpoint.hash;
}
