/** The audit trail as a feature: reading it, recording the config a start runs on, refused sign-ins, and checks for commands the core has no method for yet. */
import { lockKeys, SUBJECT_PREFIX, subjects } from '../keys.js';
import { findRole } from '../policy.js';
import { PimError } from '../errors.js';
import type { Actor, AuditEvent, AuditVerification } from '../types.js';
import { appendAudit, auditRefusal, requireAdmin, requireAuditReader, type PimDeps } from '../shared/index.js';
import { changedSettings } from './config-history.js';

/** Audit history for admins and auditors; anyone else is refused, and the refusal audited. */
export async function auditLog(deps: PimDeps, actor: Actor, q: { user?: string; role?: string; since?: Date; limit?: number }): Promise<AuditEvent[]> {
  return (await auditPage(deps, actor, q, false)).events;
}

/**
 * The newest `limit` events matching the filter and how many match in all, so a page can say how
 * many older rows it leaves out. Admins and auditors only, as `auditLog`.
 */
export async function auditPage(deps: PimDeps, actor: Actor, q: { user?: string; role?: string; since?: Date; limit?: number }, withTotal = true): Promise<{ events: AuditEvent[]; total: number }> {
  return auditRefusal(deps, actor, 'audit', 'audit', {}, async () => {
    requireAuditReader(deps, actor);
    const filter = {
      since: q.since,
      detailsMatch: { ...(q.user ? { principal: deps.directory.find(q.user).id } : {}), ...(q.role ? { role: findRole(deps.roles, q.role).name } : {}) },
    };
    const limit = q.limit ?? 200;
    return deps.store.transaction(async (uow) => {
      const events = await uow.audit.list({ ...filter, limit });
      const total = withTotal && events.length === limit ? await uow.audit.count(filter) : events.length;
      return { events, total };
    });
  });
}

/**
 * Walks the audit chain for an admin or auditor (`audit verify`) and says whether every row is
 * there, unaltered and linked, or names the first one that is not. Anyone else is refused, audited.
 */
export async function verifyAudit(deps: PimDeps, actor: Actor): Promise<AuditVerification> {
  return auditRefusal(deps, actor, 'audit-verify', 'audit', {}, async () => {
    requireAuditReader(deps, actor);
    return deps.store.transaction((uow) => {
      if (!uow.audit.verify) throw new PimError('audit_unverifiable');
      return uow.audit.verify();
    });
  });
}

/**
 * Checks that the actor may use a command the core has no method for yet: `alerts` (admins and
 * auditors) or `review-start` (admins). A refusal is audited.
 */
export async function authorize(deps: PimDeps, actor: Actor, command: 'alerts' | 'review-start'): Promise<void> {
  await auditRefusal(deps, actor, command, command, {}, async () => {
    if (command === 'alerts') requireAuditReader(deps, actor);
    else requireAdmin(deps, actor);
  });
}

/**
 * Writes a refused sign-in to the audit trail: a chat account that tried to act as a principal
 * it is not bound to (a borrowed e-mail, an unconfirmed one, another workspace or tenant).
 */
export async function identityRefused(deps: PimDeps, platform: 'slack' | 'teams', platformId: string, code: string, details: Record<string, unknown> = {}): Promise<void> {
  await deps.store.transaction((uow) =>
    appendAudit(uow, { at: deps.clock.now(), actor: subjects.identity(platform, platformId), action: 'identity.refused', subject: subjects.identity(platform, platformId), details: { code, ...details } }),
  );
}

/** Records an outbox item the dispatcher gave up on (dead-lettered) in the audit trail. */
export async function deliveryFailed(deps: PimDeps, item: { id: number; dedupeKey: string; attempts: number; payload: { type: string } }, error: string): Promise<void> {
  await deps.store.transaction((uow) =>
    appendAudit(uow, { at: deps.clock.now(), actor: 'system', action: 'delivery.failed', subject: subjects.outbox(item.id), details: { dedupeKey: item.dedupeKey, type: item.payload.type, attempts: item.attempts, error } }),
  );
}

/**
 * Records the config this start runs on (its SHA-256 and snapshot, src/config/fingerprint.ts):
 * the first time as `config.recorded`, and whenever it differs from the last one recorded as
 * `config.changed` with the settings that changed. Replicas starting together record it once.
 * Returns the changed settings (null on the first record, [] when nothing changed).
 */
export async function recordConfig(deps: PimDeps, fingerprint: { sha256: string; snapshot: Record<string, unknown> }, source: string): Promise<string[] | null> {
  return deps.store.transaction(async (uow) => {
    await uow.locks.lock(lockKeys.config);
    const [last] = await uow.audit.list({ subjectPrefix: SUBJECT_PREFIX.config, limit: 1 });
    const previous = last?.details as { sha256?: string; snapshot?: unknown } | undefined;
    if (previous?.sha256 === fingerprint.sha256) return [];
    const changed = previous ? changedSettings(previous.snapshot, fingerprint.snapshot) : null;
    await appendAudit(uow, {
      at: deps.clock.now(),
      actor: 'system',
      action: previous ? 'config.changed' : 'config.recorded',
      subject: subjects.config(source),
      details: { sha256: fingerprint.sha256, previous: previous?.sha256 ?? null, changed, snapshot: fingerprint.snapshot },
    });
    return changed;
  });
}
