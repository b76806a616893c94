/** The approval card: posted when a request is made, updated to its state whenever it changes. */
import { APPROVALS_CHANNEL } from '../channels.js';
import { noticeKeys, outboxKeys, subjects, type CardUpdate } from '../keys.js';
import type { Notice } from '../notices.js';
import type { UnitOfWork } from '../ports.js';
import type { PimRequest } from '../types.js';
import { requestView } from '../views.js';
import { normaliseId, sendTo, type PimDeps } from '../shared/index.js';

/**
 * Posts the approval card to the approvals channel, or to each approver's DM when there is none.
 * The requester hears by DM only when `answered` is false (the CLI): a chat command's own answer
 * is their message about the request, kept under `pending:<id>` by the adapter.
 */
export async function announceApprovalRequest(deps: PimDeps, uow: UnitOfWork, r: PimRequest, approvers: string[], answered: boolean): Promise<void> {
  const notice: Notice = { kind: 'approval_request', request: requestView(deps.directory, r) };
  const subject = subjects.request(r.id);
  if (deps.channels.includes(APPROVALS_CHANNEL)) {
    await sendTo(deps, uow, { kind: 'channel', channel: APPROVALS_CHANNEL }, noticeKeys.approval(r.id), notice, subject);
  } else {
    for (const id of approvers) await sendTo(deps, uow, { kind: 'user', principalId: id }, noticeKeys.approval(r.id), notice, subject);
  }
  if (answered) return;
  const pending: Notice = { kind: 'request_pending', request: requestView(deps.directory, r) };
  await sendTo(deps, uow, { kind: 'user', principalId: r.principalId }, noticeKeys.pending(r.id), pending, subjects.pending(r.id));
}

/**
 * Updates every posted copy of a request's approval card to its current state, and the
 * requester's "waiting for approval" message with it (its Cancel button goes once decided).
 */
export async function updateApprovalCards(deps: PimDeps, uow: UnitOfWork, r: PimRequest, why: CardUpdate): Promise<void> {
  const view = requestView(deps.directory, r);
  for (const platform of deps.platforms()) {
    await uow.outbox.enqueue(outboxKeys.cardUpdate(r.id, why, platform), { type: 'update', platform, subject: subjects.request(r.id), notice: { kind: 'approval_request', request: view } });
    await uow.outbox.enqueue(outboxKeys.pendingUpdate(r.id, why, platform), { type: 'update', platform, subject: subjects.pending(r.id), notice: { kind: 'request_pending', request: view } });
  }
}

/**
 * Brings a queued notice up to date before it is delivered: an approval card posted late, or
 * updated out of order, always shows the request's state as it is now.
 */
export async function currentNotice(deps: PimDeps, notice: Notice): Promise<Notice> {
  const [now] = await currentNotices(deps, [notice]);
  return now ?? notice;
}

/**
 * `currentNotice` for many notices at once: the requests behind them and their assignments are
 * read in one transaction (the outbox dispatcher brings a batch of cards up to date this way).
 */
export async function currentNotices(deps: PimDeps, notices: readonly Notice[]): Promise<Notice[]> {
  const ids = [...new Set(notices.flatMap((n) => (n.kind === 'approval_request' || n.kind === 'request_pending' ? [normaliseId(n.request.id)] : [])))];
  if (ids.length === 0) return [...notices];
  const { requests, ends } = await deps.store.transaction(async (uow) => {
    const requests = await uow.requests.find({ ids });
    const assignmentIds = requests.flatMap((r) => (r.assignmentId ? [r.assignmentId] : []));
    const assignments = assignmentIds.length ? await uow.assignments.find({ ids: assignmentIds }) : [];
    return { requests: new Map(requests.map((r) => [r.id, r])), ends: new Map(assignments.map((a) => [a.id, a.endsAt])) };
  });
  return notices.map((n) => {
    if (n.kind !== 'approval_request' && n.kind !== 'request_pending') return n;
    const r = requests.get(normaliseId(n.request.id));
    if (!r) return n;
    return { kind: n.kind, request: requestView(deps.directory, r, r.assignmentId ? (ends.get(r.assignmentId) ?? null) : null) };
  });
}
