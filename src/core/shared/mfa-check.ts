/** The one MFA check of the core. */
import { SECURITY_CHANNEL } from '../channels.js';
import { PimError } from '../errors.js';
import type { Notice } from '../notices.js';
import { noticeKeys, subjects } from '../keys.js';
import { CommitAndThrow, type UnitOfWork } from '../ports.js';
import { appendAudit } from './audit.js';
import type { Actor, MfaLockout } from '../types.js';
import type { PimDeps } from './deps.js';
import { person } from './lookups.js';
import { sendTo } from './outbox.js';

/** The lockout when the deps name none (the config's default). */
const DEFAULT_MFA_LOCKOUT: MfaLockout = { maxFailures: 5, failureWindowMs: 15 * 60_000, lockForMs: 15 * 60_000 };

/**
 * Activation, extension and approval all go through this check, so whatever it enforces holds
 * for all of them: a valid, unused code, and the lockout. It holds the principal's MFA record
 * until commit, so concurrent checks on any replica count one after the other. A wrong code is
 * counted and audited in this transaction, which is committed although the action is refused
 * (CommitAndThrow): call it before the transaction writes anything else.
 */
export async function verifyMfa(
  deps: PimDeps,
  uow: UnitOfWork,
  actor: Actor,
  role: string,
  code: string | null | undefined,
  now: Date,
  during = 'activate',
  requestId?: string,
): Promise<void> {
  const id = actor.principal.id;
  const lockout = deps.mfaLockout ?? DEFAULT_MFA_LOCKOUT;
  const state = await uow.mfa.lockForCheck(id);
  if (!state) throw new PimError('mfa_not_enrolled', { role });
  if (state.lockedUntil && state.lockedUntil.getTime() > now.getTime()) {
    throw new PimError('mfa_locked', { role, until: state.lockedUntil.toISOString() });
  }
  const verdict = await deps.mfa.verify(uow, id, (code ?? '').trim(), now);
  if (verdict === 'ok') {
    await uow.mfa.clearFailures(id);
    return;
  }
  if (verdict === 'not_enrolled') throw new PimError('mfa_not_enrolled', { role });
  if (verdict === 'unreadable') throw new PimError('mfa_unreadable', { role });
  // A wrong code, or a used one: counted since the window began, or since the last lock ended.
  const windowStart = now.getTime() - lockout.failureWindowMs;
  const since = new Date(Math.max(windowStart, state.lockedUntil?.getTime() ?? 0));
  await uow.mfa.recordFailure(id, now, new Date(windowStart));
  const failures = await uow.mfa.countFailures(id, since);
  const subject = subjects.principal(id);
  const context = { principal: id, role, during, platform: actor.platform, ...(requestId ? { requestId } : {}) };
  await appendAudit(uow, { at: now, actor: id, action: 'mfa.failed', subject, details: { ...context, verdict, failures, maxFailures: lockout.maxFailures } });
  const codeOf = verdict === 'reused' ? 'mfa_reused' : 'mfa_invalid';
  if (failures < lockout.maxFailures) {
    throw new CommitAndThrow(new PimError(codeOf, { role, attemptsLeft: lockout.maxFailures - failures }));
  }
  const until = new Date(now.getTime() + lockout.lockForMs);
  await uow.mfa.lockUntil(id, until);
  await appendAudit(uow, { at: now, actor: 'system', action: 'mfa.locked', subject, details: { ...context, failures, windowMs: lockout.failureWindowMs, until: until.toISOString() } });
  const notice: Notice = {
    kind: 'mfa_locked',
    principal: person(deps, id),
    failures,
    windowMs: lockout.failureWindowMs,
    until: until.toISOString(),
    during,
    role,
    platform: actor.platform,
  };
  const key = noticeKeys.mfaLocked(id, until);
  if (deps.channels.includes(SECURITY_CHANNEL)) await sendTo(deps, uow, { kind: 'channel', channel: SECURITY_CHANNEL }, key, notice);
  await sendTo(deps, uow, { kind: 'user', principalId: id }, key, notice);
  throw new CommitAndThrow(new PimError(codeOf, { role, lockedUntil: until.toISOString() }));
}
