/** The deadline loop's work: expiries, approval time-outs, scheduled starts, then warnings. */
import { noticeKeys } from '../keys.js';
import { requestView } from '../views.js';
import { updateApprovalCards } from '../approval/index.js';
import { audit, findPolicy, finishAssignment, prefetchEnds, sendTo, startGrant, type PimDeps } from '../shared/index.js';
import { ASSIGNMENT_WARNINGS, sendActivationWarnings, sendAssignmentWarnings } from './warnings.js';

/** Expiry transactions in flight at once in one pass (see processDeadlines). */
const EXPIRY_WORKERS = 2;

/** What one pass of the deadline loop did. */
export interface DeadlineResult {
  expired: number;
  timedOut: number;
  started: number;
  warned: number;
  /** For each assignment expired: how long after its end the expiry was committed (ms). */
  expiryLagsMs: number[];
}

/**
 * Processes everything that has come due at `now`: activations and assignments that ended,
 * pending requests past their deadline, scheduled activations whose start came, and expiry
 * warnings (an activation's `warnBefore`, a time-bound assignment's 14 days and 1 day). Safe to
 * run in several replicas at once: rows are claimed with SKIP LOCKED or marked by
 * compare-and-set, so each deadline is acted on once.
 */
export async function processDeadlines(deps: PimDeps, batch = 1000): Promise<DeadlineResult> {
  const result: DeadlineResult = { expired: 0, timedOut: 0, started: 0, warned: 0, expiryLagsMs: [] };
  // Two batches at a time: while one commits (its audit rows wait for the chain's lock), the
  // next is already ending its assignments. Each claims its rows with SKIP LOCKED.
  const expire = async (): Promise<void> => {
    for (;;) {
      const ended = await deps.store.transaction(async (uow) => {
        const now = deps.clock.now();
        // One statement ends the batch, one moves its requests; audit and notices are written in bulk at commit.
        const due = await uow.assignments.expireDue(now, batch);
        const requestIds = due.flatMap((a) => (a.requestId ? [a.requestId] : []));
        await uow.requests.transitionMany(requestIds, ['active'], { state: 'expired', updatedAt: now });
        const prefetch = await prefetchEnds(deps, uow, due, now);
        for (const a of due) await finishAssignment(deps, uow, 'system', a, 'expired', now, { requestDone: true, prefetch });
        return due;
      });
      const committed = deps.clock.now().getTime();
      for (const a of ended) result.expiryLagsMs.push(committed - (a.endsAt ?? a.endedAt ?? new Date(committed)).getTime());
      result.expired += ended.length;
      if (ended.length < batch) break;
    }
  };
  await Promise.all(Array.from({ length: EXPIRY_WORKERS }, expire));
  for (;;) {
    const n = await deps.store.transaction(async (uow) => {
      const now = deps.clock.now();
      const due = await uow.requests.claimTimedOut(now, batch);
      for (const r of due) {
        const t = await uow.requests.transition(r.id, ['pending_approval'], { state: 'timed_out', updatedAt: now });
        if (!t) continue;
        await audit(deps, uow, 'system', 'request.timed_out', t, {});
        await updateApprovalCards(deps, uow, t, 'timed_out');
        await sendTo(deps, uow, { kind: 'user', principalId: t.principalId }, noticeKeys.timedOut(t.id), { kind: 'request_closed', request: requestView(deps.directory, t) });
      }
      return due.length;
    });
    result.timedOut += n;
    if (n < batch) break;
  }
  for (;;) {
    const n = await deps.store.transaction(async (uow) => {
      const now = deps.clock.now();
      const due = await uow.requests.claimDueScheduled(now, batch);
      for (const r of due) await startGrant(deps, uow, r, now);
      return due.length;
    });
    result.started += n;
    if (n < batch) break;
  }
  result.warned = (await sendActivationWarnings(deps, batch)) + (await sendAssignmentWarnings(deps, batch));
  return result;
}

/**
 * The next instant something comes due, so a scheduler can wake for it: an assignment's end, a
 * request's approval deadline or scheduled start, an activation's warning (`warnBefore` its
 * end), a time-bound assignment's 14-day or 1-day warning.
 */
export async function nextDeadline(deps: PimDeps): Promise<Date | null> {
  return deps.store.transaction(async (uow) => {
    const [end, request, warnEnds, w1d, w14d] = await Promise.all([
      uow.assignments.nextEnd(),
      uow.requests.nextDeadline(),
      uow.assignments.nextWarningEnds(),
      uow.assignments.nextAssignmentWarningEnd('1d', ASSIGNMENT_WARNINGS['1d']),
      uow.assignments.nextAssignmentWarningEnd('14d', ASSIGNMENT_WARNINGS['14d']),
    ]);
    const times = [end, request].filter((d): d is Date => d !== null).map((d) => d.getTime());
    for (const w of warnEnds) {
      const policy = findPolicy(deps, w.role, w.scope);
      if (policy && policy.warnBeforeMs > 0) times.push(w.endsAt.getTime() - policy.warnBeforeMs);
    }
    if (w1d) times.push(w1d.getTime() - ASSIGNMENT_WARNINGS['1d']);
    if (w14d) times.push(w14d.getTime() - ASSIGNMENT_WARNINGS['14d']);
    return times.length ? new Date(Math.min(...times)) : null;
  });
}
