/** Posting the head of the audit chain to the security channel, once a day across replicas. */
import { SECURITY_CHANNEL } from '../channels.js';
import { lockKeys, noticeKeys, subjects } from '../keys.js';
import type { Notice } from '../notices.js';
import { appendAudit, sendTo, type PimDeps } from '../shared/index.js';

/**
 * What a run did: posted the head, found it posted already today, left it to a replica running it
 * now, or had nowhere (no security channel) or nothing (an empty trail) to post.
 */
export type AuditHeadOutcome =
  | { outcome: 'posted'; day: string; seq: number; hash: string }
  | { outcome: 'already_posted' | 'locked' | 'no_channel' | 'empty'; day: string };

/** The calendar day `at` falls on in `timeZone`, as `2030-01-07`. */
export function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * Posts the newest audit row's sequence number and hash to the security channel. Once per day
 * across replicas, as the digest is once per week: the job lock keeps two replicas from posting
 * at the same moment, the audit row `audit.head_posted` (subject `audit-head:<day>`) keeps a
 * later run from posting again, and the outbox dedupe key backs both. The posted head is the
 * chain before that row; the next day's post covers it.
 */
export async function postAuditHead(deps: PimDeps, opts: { timeZone: string }): Promise<AuditHeadOutcome> {
  const now = deps.clock.now();
  const day = localDay(now, opts.timeZone);
  const subject = subjects.auditHead(day);
  if (!deps.channels.includes(SECURITY_CHANNEL)) return { outcome: 'no_channel', day };
  return deps.store.transaction(async (uow) => {
    if (!(await uow.locks.tryLock(lockKeys.auditHead))) return { outcome: 'locked', day };
    if ((await uow.audit.list({ subjectPrefix: subject, limit: 1 })).some((e) => e.subject === subject)) return { outcome: 'already_posted', day };
    const [head] = await uow.audit.list({ limit: 1 });
    if (!head) return { outcome: 'empty', day };
    const notice: Notice = { kind: 'audit_head', day, seq: head.seq, hash: head.hash, at: now.toISOString() };
    await sendTo(deps, uow, { kind: 'channel', channel: SECURITY_CHANNEL }, noticeKeys.auditHead(day), notice);
    await appendAudit(uow, { at: now, actor: 'system', action: 'audit.head_posted', subject, details: { day, seq: head.seq, hash: head.hash } });
    return { outcome: 'posted', day, seq: head.seq, hash: head.hash };
  });
}
