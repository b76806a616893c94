/** Audit rows, audited refusals, and who may use admin and auditor commands. */
import { isPimError, PimError, type ErrorCode } from '../errors.js';
import { subjects, type AuditAction, type RefusedAction } from '../keys.js';
import type { UnitOfWork } from '../ports.js';
import type { Actor, Assignment, AuditInput, PimRequest } from '../types.js';
import type { PimDeps } from './deps.js';
import { person } from './lookups.js';

/** Refusals of privileged actions are written to the audit trail; these are not (typos, lookups). */
const UNAUDITED: ErrorCode[] = ['unknown_role', 'unknown_scope', 'scope_required', 'invalid_input'];

/** Appends an audit row; the core writes every row through here, so each action is one of `AuditAction`. */
export async function appendAudit(uow: UnitOfWork, e: AuditInput & { action: AuditAction }): Promise<void> {
  await uow.audit.append(e);
}

/** Appends an audit row about a request or an assignment (subject `request:<id>` or `assignment:<id>`). */
export async function audit(deps: PimDeps, uow: UnitOfWork, actor: string, action: AuditAction, subject: PimRequest | Assignment, details: Record<string, unknown>): Promise<void> {
  const isRequest = 'kind' in subject;
  await appendAudit(uow, {
    at: deps.clock.now(),
    actor,
    action,
    subject: isRequest ? subjects.request(subject.id) : subjects.assignment(subject.id),
    details: { principal: subject.principalId, role: subject.role, scope: subject.scope, ...details },
  });
}

/** Runs a privileged action; a refusal is written to the audit trail in its own transaction. */
export async function auditRefusal<T>(deps: PimDeps, actor: Actor, action: RefusedAction, subject: string, details: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isPimError(e) && !UNAUDITED.includes(e.code)) {
      await deps.store.transaction((uow) =>
        appendAudit(uow, {
          at: deps.clock.now(),
          actor: actor.principal.id,
          action: `refused.${action}`,
          subject,
          details: { ...details, principal: actor.principal.id, code: e.code, platform: actor.platform },
        }),
      );
    }
    throw e;
  }
}

export function isAdmin(deps: PimDeps, actor: Actor): boolean {
  return deps.directory.isAdmin(actor.principal.id);
}

/** A configured auditor (and not an admin): may read the audit trail and alerts, nothing else. */
export function isAuditor(deps: PimDeps, actor: Actor): boolean {
  return !isAdmin(deps, actor) && deps.directory.isAuditor(actor.principal.id);
}

/** Admins only; an auditor is told they may read, not change. */
export function requireAdmin(deps: PimDeps, actor: Actor): void {
  if (!isAdmin(deps, actor)) throw new PimError(isAuditor(deps, actor) ? 'auditor_read_only' : 'not_admin');
}

/** Admins and auditors: the audit trail and alerts. */
export function requireAuditReader(deps: PimDeps, actor: Actor): void {
  if (!isAdmin(deps, actor) && !isAuditor(deps, actor)) throw new PimError('not_auditor');
}

/** The refusal for acting on a request that is no longer pending. */
export function alreadyDecided(deps: PimDeps, r: PimRequest): PimError {
  return new PimError('already_decided', { id: r.id, state: r.state, by: r.decidedBy ? person(deps, r.decidedBy).name : undefined });
}
