/**
 * Audit retention: rows older than the retention are deleted, oldest first, without breaking the
 * chain's proof. The last deleted row's sequence number and hash are kept as a checkpoint
 * (`meta.audit_checkpoint`), the next row still links to that hash, and the prune itself is an
 * `audit.pruned` row in the chain naming the checkpoint, so `verifyAuditChain` starts there and
 * a forged checkpoint does not verify. Whoever can rewrite the whole table can still rewrite
 * all of that: the daily chain head posted to the security channel is the check against them.
 */
import { asc, desc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Clock } from '../core/index.js';
import { AUDIT_PRUNED_ACTION, META_AUDIT_CHECKPOINT, type AuditCheckpoint } from './audit-verify.js';
import { auditEvents } from './audit.sql.js';
import type { Db } from './client.js';
import { MetaStore } from './meta.js';
import { AUDIT_LOCK_KEY } from './repos/audit.js';
import { unitOfWork } from './store.js';

export interface AuditPruneResult {
  /** Rows deleted. */
  pruned: number;
  /** The checkpoint left, when anything was deleted. */
  checkpoint?: AuditCheckpoint;
}

/** The shortest retention the config accepts: pruning is for old history, never for last month's. */
export const MIN_AUDIT_RETENTION_MS = 30 * 24 * 60 * 60_000;

/**
 * Deletes the audit rows from the oldest up to the last one before the first row at or after
 * `now - retentionMs` (rows are in sequence order, and times follow it), never the newest row, in one transaction
 * that holds the chain's lock, so appends wait and two replicas pruning at once prune once.
 */
export async function pruneAuditTrail(db: Db, clock: Clock, retentionMs: number): Promise<AuditPruneResult> {
  if (retentionMs < MIN_AUDIT_RETENTION_MS) throw new Error(`audit retention of ${retentionMs} ms is under the minimum of 30 days`);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_LOCK_KEY.toString())})`);
    const now = clock.now();
    const before = new Date(now.getTime() - retentionMs);
    const [first] = await tx.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq)).limit(1);
    if (!first) return { pruned: 0 };
    const [kept] = await tx.select({ seq: auditEvents.seq }).from(auditEvents).where(gte(auditEvents.at, before)).orderBy(asc(auditEvents.seq)).limit(1);
    const [head] = await tx.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
    // The newest row always stays: the next append links to it (with no row it would start a new chain).
    const through = Math.min(kept ? kept.seq - 1 : head!.seq, head!.seq - 1);
    if (through < first.seq) return { pruned: 0 };
    const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, through)).limit(1);
    const checkpoint: AuditCheckpoint = { seq: through, hash: last!.hash };
    const deleted = await tx.delete(auditEvents).where(lte(auditEvents.seq, through)).returning({ seq: auditEvents.seq });
    await new MetaStore(tx).set(META_AUDIT_CHECKPOINT, checkpoint);
    const uow = unitOfWork(tx, clock);
    await uow.audit.append({
      at: now,
      actor: 'system',
      action: AUDIT_PRUNED_ACTION,
      subject: 'audit',
      details: { throughSeq: checkpoint.seq, throughHash: checkpoint.hash, rows: deleted.length, before: before.toISOString(), retentionDays: Math.round(retentionMs / 86_400_000) },
    });
    await uow.flush();
    return { pruned: deleted.length, checkpoint };
  });
}
