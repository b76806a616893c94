/** Sending the weekly digest, once per ISO week across replicas. */
import { SECURITY_CHANNEL } from '../channels.js';
import { lockKeys, noticeKeys, subjects } from '../keys.js';
import type { DigestView, Notice } from '../notices.js';
import { appendAudit, sendTo, type PimDeps } from '../shared/index.js';
import { buildDigest, DIGEST_PERIOD_MS, isoWeek } from './build.js';

/** What a digest run did: sent it, found it sent already this week, or left it to a replica running it now. */
export type DigestOutcome = { outcome: 'sent'; week: string; digest: DigestView } | { outcome: 'already_sent' | 'locked'; week: string };

/**
 * Sends the weekly digest to every PIM admin by DM and to the security channel. Runs once per
 * ISO week across replicas: the job lock keeps two replicas from building it at the same
 * moment, the audit row `digest.sent` (subject `digest:<week>`) keeps a later run from sending
 * it again, and the outbox dedupe key `digest:<week>` backs both.
 */
export async function sendDigest(deps: PimDeps, opts: { timeZone: string }): Promise<DigestOutcome> {
  const now = deps.clock.now();
  const week = isoWeek(now, opts.timeZone);
  const subject = subjects.digest(week);
  return deps.store.transaction(async (uow) => {
    if (!(await uow.locks.tryLock(lockKeys.digest))) return { outcome: 'locked', week };
    if ((await uow.audit.list({ subjectPrefix: subject, limit: 1 })).some((e) => e.subject === subject)) return { outcome: 'already_sent', week };
    const [created, current, pending, openAlerts] = await Promise.all([
      uow.assignments.createdBetween(new Date(now.getTime() - DIGEST_PERIOD_MS), now),
      uow.assignments.find({ currentAt: now }),
      uow.requests.find({ states: ['pending_approval'] }),
      uow.alerts.count(['open']),
    ]);
    let pendingReviewItems = 0;
    for (const r of await uow.reviews.find(['open'])) pendingReviewItems += (await uow.reviews.items(r.id)).filter((i) => i.decision === null).length;
    const digest = buildDigest({ now, timeZone: opts.timeZone, created, current, pending, directory: deps.directory, openAlerts, pendingReviewItems });
    const notice: Notice = { kind: 'digest', digest };
    const admins = deps.directory.adminIds();
    for (const id of admins) await sendTo(deps, uow, { kind: 'user', principalId: id }, noticeKeys.digest(week), notice);
    const toChannel = deps.channels.includes(SECURITY_CHANNEL);
    if (toChannel) await sendTo(deps, uow, { kind: 'channel', channel: SECURITY_CHANNEL }, noticeKeys.digest(week), notice);
    await appendAudit(uow, {
      at: now,
      actor: 'system',
      action: 'digest.sent',
      subject,
      details: { week, admins: admins.length, securityChannel: toChannel, activations: digest.activations.total },
    });
    return { outcome: 'sent', week, digest };
  });
}
