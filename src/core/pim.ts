/**
 * The Pim service: the one place where PIM rules live. Every platform calls these methods with
 * an Actor and renders what comes back. Each method runs in one transaction: the state change,
 * its audit rows and its outbox rows commit together.
 */
import { changedSettings } from './config-history.js';
import type { Directory } from './directory.js';
import { DAY } from './duration.js';
import { buildDigest, DIGEST_PERIOD_MS, isoWeek } from './digest.js';
import { isPimError, PimError, type ErrorCode } from './errors.js';
import type { DigestView, Notice } from './notices.js';
import {
  checkActivation,
  checkAssignmentEnd,
  checkExtension,
  checkExtensionLength,
  checkReason,
  defaultDuration,
  findRole,
  findScope,
  extensionRoom,
  missingInputs,
  RENEW_WINDOW_MS,
  type MissingInput,
} from './policy.js';
import { CommitAndThrow, type AssignmentWarning, type Clock, type GrantTarget, type IdGenerator, type MfaVerifier, type Recipient, type Store, type UnitOfWork } from './ports.js';
import type {
  Actor,
  Assignment,
  AssignmentType,
  AuditEvent,
  MfaLockout,
  Platform,
  PimRequest,
  Policy,
  Principal,
  Role,
  RequestState,
} from './types.js';
import { assignmentView, requestView } from './views.js';

export interface PimDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  directory: Directory;
  roles: Role[];
  /** Chat platforms that deliver notices; a notice is queued once per platform. */
  platforms: () => Platform[];
  /** Named channels that exist in the config (e.g. approvals, security). */
  channels: string[];
  /** Whether the grant provider is inline (record: the database is the truth) or external. */
  provider: { name: string; inline: boolean };
  mfa: MfaVerifier;
  /** When wrong MFA codes lock a principal's MFA (default: 5 within 15 minutes lock it for 15 minutes). */
  mfaLockout?: MfaLockout;
}

/** The lockout when the deps name none (the config's default). */
const DEFAULT_MFA_LOCKOUT: MfaLockout = { maxFailures: 5, failureWindowMs: 15 * 60_000, lockForMs: 15 * 60_000 };

export interface ActivateInput {
  role: string;
  scope?: string;
  durationMs?: number;
  reason?: string | null;
  ticket?: string | null;
  startAt?: Date | null;
  mfaCode?: string | null;
}

export interface ActivationPlan {
  role: Role;
  /** Scopes the actor is eligible for in this role. */
  eligibleScopes: string[];
  scope: string | null;
  policy: Policy | null;
  missing: MissingInput[];
  durationMs: number;
}

export type ActivateResult =
  | { outcome: 'active'; request: PimRequest; assignment: Assignment }
  | { outcome: 'granting'; request: PimRequest }
  | { outcome: 'pending_approval'; request: PimRequest; approvers: string[] }
  | { outcome: 'scheduled'; request: PimRequest };

export interface RoleStatus {
  role: string;
  scope: string;
  policy: Policy;
  eligible: Assignment | null;
  active: Assignment | null;
  pending: PimRequest | null;
}

export interface ExtendInput {
  role: string;
  /** Which activation, when the role is active at several scopes. */
  scope?: string;
  /** Time to add to the activation's end (or, renewing, to the eligible assignment's). */
  durationMs: number;
  reason?: string | null;
  ticket?: string | null;
  mfaCode?: string | null;
}

/** What extending one activation needs (`Pim.planExtension`). */
export interface ExtensionPlan {
  role: Role;
  scope: string;
  policy: Policy;
  activation: Assignment;
  /** How much longer the activation may run: `maxActivation` counted from its start, less what it has. */
  roomMs: number;
  missing: MissingInput[];
}

export type ExtendResult = { outcome: 'extended'; assignment: Assignment } | { outcome: 'pending_approval'; request: PimRequest; approvers: string[] };

export interface AssignInput {
  user: string;
  role: string;
  scope?: string;
  type: AssignmentType;
  durationMs?: number;
  until?: Date;
  reason?: string | null;
}

const OPEN_STATES: RequestState[] = ['pending_approval', 'approved', 'scheduled'];

/** How long before its end a time-bound assignment's holder is warned (Entra PIM: 14 days and 1 day). */
export const ASSIGNMENT_WARNINGS: Readonly<Record<AssignmentWarning, number>> = { '14d': 14 * DAY, '1d': DAY };

/** What a digest run did: sent it, found it sent already this week, or left it to a replica running it now. */
export type DigestOutcome = { outcome: 'sent'; week: string; digest: DigestView } | { outcome: 'already_sent' | 'locked'; week: string };

/** What one pass of the deadline loop did. */
export interface DeadlineResult {
  expired: number;
  timedOut: number;
  started: number;
  warned: number;
  /** For each assignment expired: how long after its end the expiry was committed (ms). */
  expiryLagsMs: number[];
}

/** Refusals of privileged actions are written to the audit trail; these are not (typos, lookups). */
const UNAUDITED: ErrorCode[] = ['unknown_role', 'unknown_scope', 'scope_required', 'invalid_input'];

export class Pim {
  constructor(private readonly deps: PimDeps) {}

  get directory(): Directory {
    return this.deps.directory;
  }

  get roles(): Role[] {
    return this.deps.roles;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  /** Resolves a chat identity to a principal through its configured binding. */
  resolve(platform: 'slack' | 'teams', platformId: string, email?: string): Principal {
    return this.deps.directory.resolve(platform, platformId, email);
  }

  /**
   * Writes a refused sign-in to the audit trail: a chat account that tried to act as a principal
   * it is not bound to (a borrowed e-mail, an unconfirmed one, another workspace or tenant).
   */
  async identityRefused(platform: 'slack' | 'teams', platformId: string, code: string, details: Record<string, unknown> = {}): Promise<void> {
    await this.deps.store.transaction((uow) =>
      uow.audit.append({ at: this.now(), actor: `${platform}:${platformId}`, action: 'identity.refused', subject: `${platform}:${platformId}`, details: { code, ...details } }),
    );
  }

  /**
   * Records the config this start runs on (its SHA-256 and snapshot, src/config/fingerprint.ts):
   * the first time as `config.recorded`, and whenever it differs from the last one recorded as
   * `config.changed` with the settings that changed. Replicas starting together record it once.
   * Returns the changed settings (null on the first record, [] when nothing changed).
   */
  async recordConfig(fingerprint: { sha256: string; snapshot: Record<string, unknown> }, source: string): Promise<string[] | null> {
    return this.deps.store.transaction(async (uow) => {
      await uow.locks.lock('config');
      const [last] = await uow.audit.list({ subjectPrefix: 'config:', limit: 1 });
      const previous = last?.details as { sha256?: string; snapshot?: unknown } | undefined;
      if (previous?.sha256 === fingerprint.sha256) return [];
      const changed = previous ? changedSettings(previous.snapshot, fingerprint.snapshot) : null;
      await uow.audit.append({
        at: this.now(),
        actor: 'system',
        action: previous ? 'config.changed' : 'config.recorded',
        subject: `config:${source}`,
        details: { sha256: fingerprint.sha256, previous: previous?.sha256 ?? null, changed, snapshot: fingerprint.snapshot },
      });
      return changed;
    });
  }

  actorFor(principalId: string, platform: Actor['platform']): Actor {
    return { principal: this.deps.directory.require(principalId), platform };
  }

  isAdmin(actor: Actor): boolean {
    return this.deps.directory.isAdmin(actor.principal.id);
  }

  /** A configured auditor (and not an admin): may read the audit trail and alerts, nothing else. */
  isAuditor(actor: Actor): boolean {
    return !this.isAdmin(actor) && this.deps.directory.isAuditor(actor.principal.id);
  }

  /**
   * Checks that the actor may use a command the core has no method for yet: `alerts` (admins and
   * auditors) or `review-start` (admins). A refusal is audited.
   */
  async authorize(actor: Actor, command: 'alerts' | 'review-start'): Promise<void> {
    await this.auditRefusal(actor, command, command, {}, async () => {
      if (command === 'alerts') this.requireAuditReader(actor);
      else this.requireAdmin(actor);
    });
  }

  policyFor(roleName: string, scope: string): Policy {
    return findScope(findRole(this.deps.roles, roleName), scope).policy;
  }

  // ---------------------------------------------------------------- reads

  /** The actor's roles: each eligible or active role/scope with its state. */
  async myRoles(actor: Actor): Promise<RoleStatus[]> {
    const now = this.now();
    return this.deps.store.transaction(async (uow) => {
      const mine = await this.currentAssignmentsOf(uow, actor.principal.id, now);
      const open = await uow.requests.find({ principalId: actor.principal.id, states: OPEN_STATES });
      const byKey = new Map<string, RoleStatus>();
      for (const a of mine) {
        const role = this.deps.roles.find((r) => r.name === a.role);
        const scope = role?.scopes.find((s) => s.path === a.scope);
        if (!role || !scope) continue;
        const key = `${a.role}\u0000${a.scope}`;
        const entry = byKey.get(key) ?? { role: a.role, scope: a.scope, policy: scope.policy, eligible: null, active: null, pending: null };
        if (a.type === 'eligible') entry.eligible = entry.eligible ?? a;
        else entry.active = entry.active ?? a;
        byKey.set(key, entry);
      }
      for (const r of open) {
        const entry = byKey.get(`${r.role}\u0000${r.scope}`);
        if (entry && r.kind === 'activate') entry.pending = r;
      }
      return [...byKey.values()].sort((a, b) => a.role.localeCompare(b.role) || a.scope.localeCompare(b.scope));
    });
  }

  /** The actor's open requests. */
  async myRequests(actor: Actor): Promise<PimRequest[]> {
    return this.deps.store.transaction((uow) => uow.requests.find({ principalId: actor.principal.id, states: OPEN_STATES }));
  }

  /** Pending requests the actor may decide. */
  async pendingApprovals(actor: Actor): Promise<PimRequest[]> {
    const pending = await this.deps.store.transaction((uow) => uow.requests.find({ states: ['pending_approval'] }));
    return pending.filter((r) => r.principalId !== actor.principal.id && this.canDecide(actor.principal.id, r));
  }

  async getRequest(id: string): Promise<PimRequest | null> {
    return this.deps.store.transaction((uow) => uow.requests.get(normaliseId(id)));
  }

  /** Who may decide a request (principal ids), self excluded at decision time. */
  approversFor(r: Pick<PimRequest, 'kind' | 'role' | 'scope'>): string[] {
    if (r.kind === 'activate' || r.kind === 'extend') {
      const policy = this.policyFor(r.role, r.scope);
      if (policy.approval.approvers.length > 0) return this.deps.directory.expand(policy.approval.approvers);
    }
    return this.deps.directory.adminIds();
  }

  canDecide(principalId: string, r: Pick<PimRequest, 'kind' | 'role' | 'scope'>): boolean {
    return this.approversFor(r).some((id) => id.toLowerCase() === principalId.toLowerCase());
  }

  /** Audit history for admins and auditors; anyone else is refused, and the refusal audited. */
  async auditLog(actor: Actor, q: { user?: string; role?: string; since?: Date; limit?: number }): Promise<AuditEvent[]> {
    return this.auditRefusal(actor, 'audit', 'audit', {}, async () => {
      this.requireAuditReader(actor);
      return this.deps.store.transaction((uow) =>
        uow.audit.list({
          since: q.since,
          limit: q.limit ?? 200,
          detailsMatch: { ...(q.user ? { principal: this.deps.directory.require(q.user).id } : {}), ...(q.role ? { role: findRole(this.deps.roles, q.role).name } : {}) },
        }),
      );
    });
  }

  // ---------------------------------------------------------------- activation

  /**
   * Works out what an activation needs before it is made: which scopes the actor is eligible for
   * and which inputs the policy asks for that were not given. Throws unknown_role / not_eligible.
   */
  async planActivation(actor: Actor, input: ActivateInput): Promise<ActivationPlan> {
    const now = this.now();
    const role = findRole(this.deps.roles, input.role);
    const eligibleScopes = await this.deps.store.transaction(async (uow) => {
      const mine = await this.currentAssignmentsOf(uow, actor.principal.id, now);
      return [...new Set(mine.filter((a) => a.role === role.name && a.type === 'eligible').map((a) => a.scope))];
    });
    if (input.scope) findScope(role, input.scope);
    if (eligibleScopes.length === 0) throw new PimError('not_eligible', { role: role.name, scope: input.scope });
    let scope: string | null = null;
    if (input.scope) {
      scope = eligibleScopes.find((s) => s.toLowerCase() === input.scope?.toLowerCase()) ?? null;
      if (!scope) throw new PimError('not_eligible', { role: role.name, scope: input.scope });
    } else if (eligibleScopes.length === 1) {
      scope = eligibleScopes[0] as string;
    }
    const policy = scope ? findScope(role, scope).policy : null;
    const missing: MissingInput[] = policy ? missingInputs(policy, input) : ['scope'];
    return { role, eligibleScopes, scope, policy, missing, durationMs: input.durationMs ?? (policy ? defaultDuration(policy) : 0) };
  }

  /** Activates an eligible role: at once, at a scheduled time, or after approval. */
  async activate(actor: Actor, input: ActivateInput): Promise<ActivateResult> {
    return this.auditRefusal(actor, 'activate', input.role, { role: input.role, scope: input.scope }, async () => {
      const plan = await this.planActivation(actor, input);
      if (!plan.scope || !plan.policy) {
        throw new PimError('scope_required', { role: plan.role.name, scopes: plan.eligibleScopes.join(', ') });
      }
      const { role, scope, policy } = { role: plan.role, scope: plan.scope, policy: plan.policy };
      const now = this.now();
      const durationMs = plan.durationMs;
      checkActivation(role.name, policy, { ...input, durationMs }, now);
      const startAt = input.startAt && input.startAt.getTime() > now.getTime() ? input.startAt : null;

      return this.deps.store.transaction(async (uow) => {
        // One open activation or request per principal, role and scope: concurrent activations
        // queue on this lock, and each reads what the one before it committed.
        await uow.locks.lock(`activation:${actor.principal.id.toLowerCase()}:${role.name}:${scope}`);
        const active = await uow.assignments.find({ principalId: actor.principal.id, role: role.name, scope, type: 'active', currentAt: now });
        if (active.length > 0) {
          throw new PimError('already_active', { role: role.name, until: active[0]?.endsAt?.toISOString() ?? null });
        }
        const open = await uow.requests.find({ principalId: actor.principal.id, role: role.name, states: OPEN_STATES });
        const dup = open.find((r) => r.scope === scope && r.kind === 'activate');
        if (dup) {
          throw new PimError('invalid_input', {
            message: `You already have request ${dup.id} for ${role.name} (${dup.state.replace('_', ' ')}). Cancel it with \`cancel ${dup.id}\` or wait for it.`,
          });
        }
        if (policy.requireMfa) await this.verifyMfa(uow, actor, role.name, input.mfaCode, now);
        const request: PimRequest = {
          id: this.deps.ids.requestId(),
          kind: 'activate',
          principalId: actor.principal.id,
          role: role.name,
          scope,
          durationMs,
          reason: input.reason?.trim() || null,
          ticket: input.ticket?.trim() || null,
          startAt,
          state: policy.approval.required ? 'pending_approval' : startAt ? 'scheduled' : 'approved',
          createdAt: now,
          approvalDeadline: policy.approval.required ? new Date(now.getTime() + policy.approval.timeoutMs) : null,
          decidedBy: null,
          decidedAt: null,
          decisionReason: null,
          assignmentId: null,
          targetAssignmentId: null,
          assignmentType: null,
          failureReason: null,
          updatedAt: now,
        };
        await uow.requests.insert(request);
        await this.audit(uow, actor.principal.id, 'request.created', request, {
          kind: 'activate',
          durationMs,
          reason: request.reason,
          ticket: request.ticket,
          startAt: startAt?.toISOString() ?? null,
          mfa: policy.requireMfa ? 'verified' : 'not_required',
        });

        if (request.state === 'pending_approval') {
          const approvers = this.approversFor(request).filter((id) => id.toLowerCase() !== actor.principal.id.toLowerCase());
          await this.announceApprovalRequest(uow, request, approvers);
          await this.notifyChannels(uow, policy, 'requested', `requested:${request.id}`, { kind: 'approval_request', request: requestView(this.deps.directory, request) });
          return { outcome: 'pending_approval', request, approvers };
        }
        if (request.state === 'scheduled') {
          await this.audit(uow, actor.principal.id, 'request.scheduled', request, { startAt: startAt?.toISOString() });
          return { outcome: 'scheduled', request };
        }
        return this.startGrant(uow, request, now);
      });
    });
  }

  /** Cancels the actor's own pending or scheduled request. */
  async cancel(actor: Actor, requestId: string): Promise<PimRequest> {
    const id = normaliseId(requestId);
    return this.auditRefusal(actor, 'cancel', id, { requestId: id }, () =>
      this.deps.store.transaction(async (uow) => {
        const r = await uow.requests.get(id);
        if (!r) throw new PimError('not_found', { id });
        if (r.principalId !== actor.principal.id && !this.isAdmin(actor)) throw new PimError('not_requester', { id });
        const now = this.now();
        const updated = await uow.requests.transition(id, ['pending_approval', 'scheduled'], { state: 'canceled', updatedAt: now });
        if (!updated) throw this.alreadyDecided(r);
        await this.audit(uow, actor.principal.id, 'request.canceled', updated, {});
        await this.updateApprovalCards(uow, updated, 'canceled');
        return updated;
      }),
    );
  }

  // ---------------------------------------------------------------- approval

  /** Approves a pending request. First decision wins; never by the requester. */
  async approve(actor: Actor, requestId: string, reason?: string | null, opts: { mfaCode?: string | null } = {}): Promise<PimRequest> {
    return this.decide(actor, requestId, 'approved', reason ?? null, opts.mfaCode ?? null);
  }

  /** Whether approving this request asks the approver for an MFA code (`approval.requireMfa`). */
  approvalNeedsMfa(r: Pick<PimRequest, 'role' | 'scope'>): boolean {
    return this.findPolicy(r.role, r.scope)?.approval.requireMfa === true;
  }

  /** Denies a pending request; a reason is required. */
  async deny(actor: Actor, requestId: string, reason: string): Promise<PimRequest> {
    return this.decide(actor, requestId, 'denied', reason);
  }

  private async decide(actor: Actor, requestId: string, outcome: 'approved' | 'denied', reason: string | null, mfaCode: string | null = null): Promise<PimRequest> {
    const id = normaliseId(requestId);
    const action = outcome === 'approved' ? 'approve' : 'deny';
    return this.auditRefusal(actor, action, id, { requestId: id }, () =>
      this.deps.store.transaction(async (uow) => {
        const r = await uow.requests.get(id);
        if (!r) throw new PimError('not_found', { id });
        if (r.state !== 'pending_approval') throw this.alreadyDecided(r);
        const now = this.now();
        // Past its deadline the request has timed out, whether or not the deadline loop has marked it yet.
        if (r.approvalDeadline && r.approvalDeadline.getTime() <= now.getTime()) throw new PimError('already_decided', { id, state: 'timed_out' });
        if (r.principalId.toLowerCase() === actor.principal.id.toLowerCase()) throw new PimError('self_approval', { id });
        if (!this.canDecide(actor.principal.id, r)) throw new PimError('not_approver', { id, role: r.role });
        checkReason(r.role, reason, outcome === 'denied');
        if (outcome === 'approved' && this.approvalNeedsMfa(r)) {
          // Step-up: the approver proves it is them before Approve counts. Nothing is written
          // before this check, so a refusal keeps only the counted failure.
          if (!mfaCode?.trim()) throw new PimError('mfa_required', { role: r.role, approving: true });
          await this.verifyMfa(uow, actor, r.role, mfaCode, now, 'approve', r.id);
        }
        const decided = await uow.requests.transition(id, ['pending_approval'], {
          state: outcome,
          decidedBy: actor.principal.id,
          decidedAt: now,
          decisionReason: reason?.trim() || null,
          updatedAt: now,
        });
        if (!decided) {
          const current = await uow.requests.get(id);
          throw this.alreadyDecided(current ?? r);
        }
        await this.audit(uow, actor.principal.id, `request.${outcome}`, decided, { reason: decided.decisionReason });
        const policy = this.policyFor(decided.role, decided.scope);
        await this.notifyChannels(uow, policy, outcome, `${outcome}:${id}`, { kind: 'request_decided', request: requestView(this.deps.directory, decided) });

        let final = decided;
        if (outcome === 'approved') final = await this.afterApproval(uow, decided, now);
        await this.updateApprovalCards(uow, final, 'decided');
        await this.sendTo(uow, { kind: 'user', principalId: decided.principalId }, `decided:${id}`, {
          kind: 'request_decided',
          request: requestView(this.deps.directory, final, this.endOf(final, now)),
        });
        return final;
      }),
    );
  }

  /** What an approval leads to, by request kind. */
  private async afterApproval(uow: UnitOfWork, r: PimRequest, now: Date): Promise<PimRequest> {
    if (r.kind === 'activate') {
      if (r.startAt && r.startAt.getTime() > now.getTime()) {
        const s = await uow.requests.transition(r.id, ['approved'], { state: 'scheduled', updatedAt: now });
        return s ?? r;
      }
      const res = await this.startGrant(uow, r, now);
      return res.request;
    }
    // extend / renew: move the end of the target assignment.
    const target = r.targetAssignmentId ? await uow.assignments.get(r.targetAssignmentId) : null;
    const ended = !target || target.endedAt !== null || (r.kind === 'extend' && target.endsAt !== null && target.endsAt.getTime() <= now.getTime());
    if (!target || ended) {
      const failed = await uow.requests.transition(r.id, ['approved'], { state: 'failed', failureReason: 'The assignment ended before the request was approved.', updatedAt: now });
      return failed ?? r;
    }
    if (r.kind === 'extend') {
      // The activation's whole length is checked again: its end may have moved since the request.
      const refusal = this.extensionRefusal(r, target, now);
      if (refusal) {
        const failed = await uow.requests.transition(r.id, ['approved'], { state: 'failed', failureReason: refusal, updatedAt: now });
        if (failed) await this.audit(uow, 'system', 'extension.failed', failed, { assignmentId: target.id, reason: refusal });
        return failed ?? r;
      }
    }
    const base = target.endsAt && target.endsAt.getTime() > now.getTime() ? target.endsAt : now;
    const updated = await uow.assignments.setEnd(target.id, new Date(base.getTime() + r.durationMs));
    const done = await uow.requests.transition(r.id, ['approved'], { state: 'completed', assignmentId: target.id, updatedAt: now });
    if (updated) {
      await this.audit(uow, r.decidedBy ?? 'system', r.kind === 'extend' ? 'activation.extended' : 'assignment.renewed', done ?? r, {
        assignmentId: target.id,
        endsAt: updated.endsAt?.toISOString() ?? null,
      });
      const notice: Notice =
        r.kind === 'extend'
          ? { kind: 'activation_extended', assignment: assignmentView(this.deps.directory, updated), request: requestView(this.deps.directory, done ?? r, updated.endsAt) }
          : { kind: 'assignment_changed', assignment: assignmentView(this.deps.directory, updated), change: 'renewed', by: this.person(r.decidedBy ?? 'system') };
      await this.sendTo(uow, { kind: 'user', principalId: r.principalId }, `${r.kind}ed:${r.id}`, notice);
    }
    return done ?? r;
  }

  /** Why an approved extension cannot be made now (past the policy's maximum from the activation's start), or null. */
  private extensionRefusal(r: PimRequest, target: Assignment, now: Date): string | null {
    const policy = this.findPolicy(r.role, r.scope);
    if (!policy) return `${r.role} at ${r.scope} is no longer in the configuration.`;
    try {
      checkExtensionLength(r.role, policy, target, r.durationMs, now);
      return null;
    } catch (e) {
      if (isPimError(e)) return e.message;
      throw e;
    }
  }

  /**
   * Grants an approved activation. With an inline provider the assignment is created now; with
   * an external one the request waits in `approved` until the provider confirms (completeGrant).
   */
  private async startGrant(uow: UnitOfWork, r: PimRequest, now: Date): Promise<ActivateResult> {
    const assignmentId = this.deps.ids.id();
    const endsAt = new Date(now.getTime() + r.durationMs);
    if (!this.deps.provider.inline) {
      const pending = (await uow.requests.transition(r.id, ['approved', 'scheduled'], { state: 'approved', assignmentId, updatedAt: now })) ?? r;
      const target: GrantTarget = { assignmentId, principalId: r.principalId, role: r.role, scope: r.scope, endsAt, requestId: r.id };
      await uow.outbox.enqueue(`grant:${r.id}`, { type: 'grant', target });
      await this.audit(uow, 'system', 'grant.requested', pending, { provider: this.deps.provider.name, assignmentId });
      return { outcome: 'granting', request: pending };
    }
    const assignment = await this.createActivation(uow, r, assignmentId, now, endsAt);
    const active = await uow.requests.transition(r.id, ['approved', 'scheduled'], { state: 'active', assignmentId, updatedAt: now });
    if (!active) throw new PimError('already_decided', { id: r.id, state: r.state });
    await this.announceActivation(uow, active, assignment);
    return { outcome: 'active', request: active, assignment };
  }

  private async createActivation(uow: UnitOfWork, r: PimRequest, assignmentId: string, now: Date, endsAt: Date): Promise<Assignment> {
    const assignment = newAssignment({ id: assignmentId, principalId: r.principalId, role: r.role, scope: r.scope, type: 'active', endsAt, requestId: r.id, createdBy: r.principalId }, now);
    await uow.assignments.insert(assignment);
    return assignment;
  }

  private async announceActivation(uow: UnitOfWork, r: PimRequest, a: Assignment): Promise<void> {
    await this.audit(uow, r.principalId, 'activation.started', r, { assignmentId: a.id, endsAt: a.endsAt?.toISOString() ?? null, durationMs: r.durationMs });
    const notice: Notice = { kind: 'activation_started', request: requestView(this.deps.directory, r, a.endsAt), assignment: assignmentView(this.deps.directory, a) };
    await this.sendTo(uow, { kind: 'user', principalId: r.principalId }, `activated:${r.id}`, notice);
    await this.notifyChannels(uow, this.policyFor(r.role, r.scope), 'activated', `activated:${r.id}`, notice);
  }

  /** Called by the dispatcher when an external provider confirmed a grant. */
  async completeGrant(requestId: string): Promise<PimRequest | null> {
    const now = this.now();
    return this.deps.store.transaction(async (uow) => {
      const r = await uow.requests.get(requestId);
      if (!r || r.state !== 'approved' || !r.assignmentId) return null;
      const end = new Date(now.getTime() + r.durationMs);
      const active = await uow.requests.transition(r.id, ['approved'], { state: 'active', updatedAt: now });
      if (!active) return null;
      const a = await this.createActivation(uow, active, r.assignmentId, now, end);
      await this.announceActivation(uow, active, a);
      return active;
    });
  }

  /** Called by the dispatcher when an external provider finally refused a grant. */
  async failGrant(requestId: string, reason: string): Promise<PimRequest | null> {
    const now = this.now();
    return this.deps.store.transaction(async (uow) => {
      const failed = await uow.requests.transition(requestId, ['approved'], { state: 'failed', failureReason: reason.slice(0, 500), updatedAt: now });
      if (!failed) return null;
      await this.audit(uow, 'system', 'grant.failed', failed, { reason: failed.failureReason });
      if (failed.assignmentId) {
        // A grant given up on may still have happened (a webhook that applied it, then timed
        // out): a queued revoke, retried like any delivery, makes sure no access outlives the
        // failed request. Revoking is idempotent by assignment id.
        await uow.outbox.enqueue(`revoke:${failed.assignmentId}`, {
          type: 'revoke',
          target: { assignmentId: failed.assignmentId, principalId: failed.principalId, role: failed.role, scope: failed.scope, endsAt: null, requestId: failed.id },
        });
      }
      await this.sendTo(uow, { kind: 'user', principalId: failed.principalId }, `failed:${failed.id}`, { kind: 'request_closed', request: requestView(this.deps.directory, failed) });
      return failed;
    });
  }

  /** Records a revoke the provider could not carry out after every retry. */
  async revokeFailed(target: GrantTarget, reason: string): Promise<void> {
    await this.deps.store.transaction((uow) =>
      uow.audit.append({ at: this.now(), actor: 'system', action: 'revoke.failed', subject: `assignment:${target.assignmentId}`, details: { ...target, endsAt: target.endsAt?.toISOString() ?? null, reason } }),
    );
  }

  // ---------------------------------------------------------------- deactivate / extend

  /** Ends the actor's activation of a role early. */
  async deactivate(actor: Actor, roleName: string, scope?: string): Promise<Assignment> {
    return this.auditRefusal(actor, 'deactivate', roleName, { role: roleName, scope }, async () => {
      const role = findRole(this.deps.roles, roleName);
      const now = this.now();
      return this.deps.store.transaction(async (uow) => {
        const target = await this.oneActivation(uow, actor.principal.id, role.name, scope, now);
        const ended = await uow.assignments.end(target.id, now, 'deactivated');
        if (!ended) throw new PimError('not_active', { role: role.name });
        await this.finishAssignment(uow, actor.principal.id, ended, 'deactivated', now);
        return ended;
      });
    });
  }

  /**
   * Works out what extending the actor's activation of a role needs: which activation, how much
   * longer it may run (the policy's `maxActivation` counts from its start), and which inputs the
   * policy asks for that were not given. Null when the role is not active for the actor (`extend`
   * then asks to renew an eligible assignment that ends soon). Throws unknown_role / scope_required.
   */
  async planExtension(actor: Actor, input: Omit<ExtendInput, 'durationMs'>): Promise<ExtensionPlan | null> {
    const role = findRole(this.deps.roles, input.role);
    if (input.scope) findScope(role, input.scope);
    const now = this.now();
    const activation = await this.deps.store.transaction((uow) => this.findActivation(uow, actor.principal.id, role.name, input.scope, now));
    if (!activation) return null;
    const policy = findScope(role, activation.scope).policy;
    return { role, scope: activation.scope, policy, activation, roomMs: extensionRoom(policy, activation, now), missing: missingInputs(policy, input) };
  }

  /**
   * Adds time. On an active activation: extends it within the policy, asking what activation asks
   * (reason, ticket, MFA code, approval), and never past `maxActivation` from the activation's
   * start. On an eligible assignment ending within 14 days: asks admins to renew it.
   */
  async extend(actor: Actor, input: ExtendInput): Promise<ExtendResult> {
    return this.auditRefusal(actor, 'extend', input.role, { role: input.role, scope: input.scope }, async () => {
      const role = findRole(this.deps.roles, input.role);
      if (input.scope) findScope(role, input.scope);
      const now = this.now();
      return this.deps.store.transaction(async (uow) => {
        const activation = await this.findActivation(uow, actor.principal.id, role.name, input.scope, now);
        if (activation) return this.extendActivation(uow, actor, role, activation, input, now);
        return this.requestRenewal(uow, actor, role, input, now);
      });
    });
  }

  private async extendActivation(uow: UnitOfWork, actor: Actor, role: Role, found: Assignment, input: ExtendInput, now: Date): Promise<ExtendResult> {
    const policy = findScope(role, found.scope).policy;
    // The lock activate takes: concurrent extensions of one activation queue here, and each
    // re-reads the end the one before it committed.
    await uow.locks.lock(`activation:${actor.principal.id.toLowerCase()}:${role.name}:${found.scope}`);
    const a = await uow.assignments.get(found.id);
    if (!a || a.endedAt || (a.endsAt && a.endsAt.getTime() <= now.getTime())) throw new PimError('not_active', { role: role.name });
    checkExtension(role.name, policy, a, input, now);
    const open = (await uow.requests.find({ principalId: actor.principal.id, role: role.name, states: ['pending_approval'] })).find(
      (r) => r.kind === 'extend' && r.targetAssignmentId === a.id,
    );
    if (open) {
      throw new PimError('invalid_input', {
        message: `You already have extension request ${open.id} for ${role.name} waiting for approval. Cancel it with \`cancel ${open.id}\` or wait for it.`,
      });
    }
    if (policy.requireMfa) await this.verifyMfa(uow, actor, role.name, input.mfaCode, now, 'extend');
    const reason = input.reason ?? null;
    const ticket = input.ticket?.trim() || null;
    const checks = { reason: reason?.trim() || null, ticket, mfa: policy.requireMfa ? 'verified' : 'not_required' };
    if (!policy.approval.required) {
      const newEnd = new Date((a.endsAt ?? now).getTime() + input.durationMs);
      const updated = await uow.assignments.setEnd(a.id, newEnd);
      if (!updated) throw new PimError('not_active', { role: role.name });
      const req = await this.insertRequest(uow, actor, 'extend', role.name, a.scope, input.durationMs, reason, a.id, 'completed', now, undefined, ticket);
      await this.audit(uow, actor.principal.id, 'activation.extended', req, { assignmentId: a.id, endsAt: newEnd.toISOString(), durationMs: input.durationMs, ...checks });
      await this.sendTo(uow, { kind: 'user', principalId: actor.principal.id }, `extended:${req.id}`, {
        kind: 'activation_extended',
        assignment: assignmentView(this.deps.directory, updated),
        request: requestView(this.deps.directory, req, updated.endsAt),
      });
      return { outcome: 'extended', assignment: updated };
    }
    const req = await this.insertRequest(uow, actor, 'extend', role.name, a.scope, input.durationMs, reason, a.id, 'pending_approval', now, policy.approval.timeoutMs, ticket);
    await this.audit(uow, actor.principal.id, 'request.created', req, { kind: 'extend', durationMs: input.durationMs, assignmentId: a.id, ...checks });
    const approvers = this.approversFor(req).filter((id) => id.toLowerCase() !== actor.principal.id.toLowerCase());
    await this.announceApprovalRequest(uow, req, approvers);
    await this.notifyChannels(uow, policy, 'requested', `requested:${req.id}`, { kind: 'approval_request', request: requestView(this.deps.directory, req) });
    return { outcome: 'pending_approval', request: req, approvers };
  }

  /** `extend` of a role that is not active: renewal of an eligible assignment ending within 14 days, decided by the admins. */
  private async requestRenewal(uow: UnitOfWork, actor: Actor, role: Role, input: ExtendInput, now: Date): Promise<ExtendResult> {
    const mine = await this.currentAssignmentsOf(uow, actor.principal.id, now);
    const eligible = mine.filter(
      (a) => a.role === role.name && a.type === 'eligible' && a.principalId === actor.principal.id && a.endsAt && (!input.scope || a.scope.toLowerCase() === input.scope.toLowerCase()),
    );
    const soonest = eligible.sort((x, y) => (x.endsAt as Date).getTime() - (y.endsAt as Date).getTime())[0];
    if (!soonest) throw new PimError('not_active', { role: role.name });
    if ((soonest.endsAt as Date).getTime() - now.getTime() > RENEW_WINDOW_MS) {
      throw new PimError('renew_too_early', { role: role.name, until: (soonest.endsAt as Date).toISOString() });
    }
    checkReason(role.name, input.reason, true);
    const req = await this.insertRequest(uow, actor, 'renew', role.name, soonest.scope, input.durationMs, input.reason ?? null, soonest.id, 'pending_approval', now, findScope(role, soonest.scope).policy.approval.timeoutMs);
    await this.audit(uow, actor.principal.id, 'request.created', req, { kind: 'renew', durationMs: input.durationMs });
    const approvers = this.approversFor(req).filter((id) => id.toLowerCase() !== actor.principal.id.toLowerCase());
    await this.announceApprovalRequest(uow, req, approvers);
    return { outcome: 'pending_approval', request: req, approvers };
  }

  private async insertRequest(
    uow: UnitOfWork,
    actor: Actor,
    kind: PimRequest['kind'],
    role: string,
    scope: string,
    durationMs: number,
    reason: string | null,
    targetAssignmentId: string | null,
    state: RequestState,
    now: Date,
    timeoutMs?: number,
    ticket: string | null = null,
  ): Promise<PimRequest> {
    const r: PimRequest = {
      id: this.deps.ids.requestId(),
      kind,
      principalId: actor.principal.id,
      role,
      scope,
      durationMs,
      reason: reason?.trim() || null,
      ticket,
      startAt: null,
      state,
      createdAt: now,
      approvalDeadline: state === 'pending_approval' && timeoutMs ? new Date(now.getTime() + timeoutMs) : null,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      assignmentId: state === 'completed' ? targetAssignmentId : null,
      targetAssignmentId,
      assignmentType: null,
      failureReason: null,
      updatedAt: now,
    };
    await uow.requests.insert(r);
    return r;
  }

  // ---------------------------------------------------------------- admin

  /** Admin: assigns a role eligible or active, permanent or time-bound, within the policy's limits. */
  async assign(actor: Actor, input: AssignInput): Promise<Assignment> {
    return this.auditRefusal(actor, 'assign', input.role, { role: input.role, user: input.user }, async () => {
      this.requireAdmin(actor);
      const principal = this.deps.directory.require(input.user);
      const role = findRole(this.deps.roles, input.role);
      const scope = this.pickScope(role, input.scope);
      const policy = findScope(role, scope).policy;
      const now = this.now();
      const reason = this.adminReason('assign', principal, role.name, input.reason);
      const endsAt = input.until ?? (input.durationMs ? new Date(now.getTime() + input.durationMs) : null);
      checkAssignmentEnd(role.name, policy, input.type, now, endsAt);
      return this.deps.store.transaction(async (uow) => {
        const existing = await uow.assignments.find({ principalId: principal.id, role: role.name, scope, type: input.type, currentAt: now });
        if (existing.some((a) => a.requestId === null)) {
          throw new PimError('already_assigned', { user: principal.name, role: role.name, scope, type: input.type });
        }
        const a = newAssignment({ id: this.deps.ids.id(), principalId: principal.id, role: role.name, scope, type: input.type, endsAt, requestId: null, createdBy: actor.principal.id }, now);
        await uow.assignments.insert(a);
        await this.audit(uow, actor.principal.id, 'assignment.created', a, { type: a.type, endsAt: endsAt?.toISOString() ?? null, reason, permanent: endsAt === null });
        if (a.type === 'active' && !this.deps.provider.inline) {
          await uow.outbox.enqueue(`grant:assignment:${a.id}`, { type: 'grant', target: this.targetOf(a) });
        }
        const notice: Notice = { kind: 'assignment_changed', assignment: assignmentView(this.deps.directory, a), change: 'assigned', by: this.person(actor.principal.id), reason };
        await this.sendTo(uow, { kind: 'user', principalId: principal.id }, `assigned:${a.id}`, notice);
        await this.notifyChannels(uow, policy, 'assigned', `assigned:${a.id}`, notice);
        return a;
      });
    });
  }

  /**
   * Admin: removes a user's assignments of a role (eligible and active) at a scope or all scopes.
   * A reason is required; the user is told it.
   */
  async remove(actor: Actor, user: string, roleName: string, scope?: string, reasonText?: string | null): Promise<Assignment[]> {
    return this.auditRefusal(actor, 'remove', roleName, { role: roleName, user }, async () => {
      this.requireAdmin(actor);
      const principal = this.deps.directory.require(user);
      const role = findRole(this.deps.roles, roleName);
      if (scope) findScope(role, scope);
      const reason = this.adminReason('remove', principal, role.name, reasonText);
      const now = this.now();
      return this.deps.store.transaction(async (uow) => {
        const current = (await uow.assignments.find({ principalId: principal.id, role: role.name, currentAt: now })).filter((a) => !scope || a.scope === scope);
        if (current.length === 0) throw new PimError('not_assigned', { user: principal.name, role: role.name, scope });
        const ended: Assignment[] = [];
        for (const a of current) {
          const e = await uow.assignments.end(a.id, now, 'removed');
          if (!e) continue;
          ended.push(e);
          await this.finishAssignment(uow, actor.principal.id, e, 'removed', now, { reason });
        }
        return ended;
      });
    });
  }

  /** Applies `bootstrap.assignments` once, to a database that has none. Returns how many were made. */
  async bootstrap(items: { principal: string; role: string; scope?: string; type: AssignmentType; endsAt: Date | null }[]): Promise<number> {
    const now = this.now();
    return this.deps.store.transaction(async (uow) => {
      // Replicas starting together on an empty database: the second waits here, then counts the
      // first one's assignments (a new statement sees what committed meanwhile) and applies nothing.
      await uow.locks.lock('bootstrap');
      if ((await uow.assignments.count()) > 0) return 0;
      for (const item of items) {
        const principal = item.principal.startsWith('group:') ? item.principal : this.deps.directory.require(item.principal).id;
        const role = findRole(this.deps.roles, item.role);
        const scope = this.pickScope(role, item.scope);
        const a = newAssignment({ id: this.deps.ids.id(), principalId: principal, role: role.name, scope, type: item.type, endsAt: item.endsAt, requestId: null, createdBy: 'bootstrap' }, now);
        await uow.assignments.insert(a);
        await this.audit(uow, 'bootstrap', 'assignment.created', a, { type: a.type, endsAt: a.endsAt?.toISOString() ?? null, source: 'bootstrap' });
      }
      return items.length;
    });
  }

  // ---------------------------------------------------------------- deadlines

  /**
   * Processes everything that has come due at `now`: activations and assignments that ended,
   * pending requests past their deadline, scheduled activations whose start came, and expiry
   * warnings (an activation's `warnBefore`, a time-bound assignment's 14 days and 1 day). Safe to
   * run in several replicas at once: rows are claimed with SKIP LOCKED or marked by
   * compare-and-set, so each deadline is acted on once.
   */
  async processDeadlines(batch = 1000): Promise<DeadlineResult> {
    const result: DeadlineResult = { expired: 0, timedOut: 0, started: 0, warned: 0, expiryLagsMs: [] };
    for (;;) {
      const ended = await this.deps.store.transaction(async (uow) => {
        const now = this.now();
        // One statement ends the batch, one moves its requests; audit and notices are written in bulk at commit.
        const due = await uow.assignments.expireDue(now, batch);
        const requestIds = due.flatMap((a) => (a.requestId ? [a.requestId] : []));
        await uow.requests.transitionMany(requestIds, ['active'], { state: 'expired', updatedAt: now });
        for (const a of due) await this.finishAssignment(uow, 'system', a, 'expired', now, { requestDone: true });
        return due;
      });
      const committed = this.now().getTime();
      for (const a of ended) result.expiryLagsMs.push(committed - (a.endsAt ?? a.endedAt ?? new Date(committed)).getTime());
      result.expired += ended.length;
      if (ended.length < batch) break;
    }
    for (;;) {
      const n = await this.deps.store.transaction(async (uow) => {
        const now = this.now();
        const due = await uow.requests.claimTimedOut(now, batch);
        for (const r of due) {
          const t = await uow.requests.transition(r.id, ['pending_approval'], { state: 'timed_out', updatedAt: now });
          if (!t) continue;
          await this.audit(uow, 'system', 'request.timed_out', t, {});
          await this.updateApprovalCards(uow, t, 'timed_out');
          await this.sendTo(uow, { kind: 'user', principalId: t.principalId }, `timed_out:${t.id}`, { kind: 'request_closed', request: requestView(this.deps.directory, t) });
        }
        return due.length;
      });
      result.timedOut += n;
      if (n < batch) break;
    }
    for (;;) {
      const n = await this.deps.store.transaction(async (uow) => {
        const now = this.now();
        const due = await uow.requests.claimDueScheduled(now, batch);
        for (const r of due) await this.startGrant(uow, r, now);
        return due.length;
      });
      result.started += n;
      if (n < batch) break;
    }
    result.warned = (await this.sendActivationWarnings(batch)) + (await this.sendAssignmentWarnings(batch));
    return result;
  }

  /** The roles and scopes whose activations are warned, grouped by how long before their end. */
  private warningGroups(): Map<number, { role: string; scope: string }[]> {
    const groups = new Map<number, { role: string; scope: string }[]>();
    for (const role of this.deps.roles) {
      for (const s of role.scopes) {
        if (s.policy.warnBeforeMs <= 0) continue;
        groups.set(s.policy.warnBeforeMs, [...(groups.get(s.policy.warnBeforeMs) ?? []), { role: role.name, scope: s.path }]);
      }
    }
    return groups;
  }

  /** Warns holders of activations ending within their policy's `warnBefore`; each once per end. */
  private async sendActivationWarnings(batch: number): Promise<number> {
    let sent = 0;
    for (const [warnBeforeMs, only] of this.warningGroups()) {
      for (;;) {
        const n = await this.deps.store.transaction(async (uow) => {
          const now = this.now();
          const due = await uow.assignments.dueForWarning(now, warnBeforeMs, batch, only);
          for (const a of due) {
            if (!a.endsAt || !(await uow.assignments.markWarned(a.id, now))) continue;
            if (a.principalId.startsWith('group:')) continue;
            await this.sendTo(uow, { kind: 'user', principalId: a.principalId }, `warn:${a.id}:${a.endsAt.toISOString()}`, {
              kind: 'expiry_warning',
              assignment: assignmentView(this.deps.directory, a),
              warning: 'activation',
            });
            sent++;
          }
          return due.length;
        });
        if (n < batch) break;
      }
    }
    return sent;
  }

  /**
   * Warns holders of time-bound assignments (eligible, or active and made by an admin) 14 days
   * and 1 day before the end, each once. The 1-day warning goes first: when both are due (the bot
   * was down), only it is sent and the 14-day one is recorded as superseded.
   */
  private async sendAssignmentWarnings(batch: number): Promise<number> {
    let sent = 0;
    for (const which of ['1d', '14d'] as const) {
      const leadMs = ASSIGNMENT_WARNINGS[which];
      for (;;) {
        const n = await this.deps.store.transaction(async (uow) => {
          const now = this.now();
          const due = await uow.assignments.dueForAssignmentWarning(which, leadMs, now, batch);
          const marked = new Set(await uow.assignments.markAssignmentWarned(due.map((a) => a.id), which, now));
          if (which === '1d') await uow.assignments.markAssignmentWarned([...marked], '14d', now);
          for (const a of due) {
            if (!marked.has(a.id) || !a.endsAt || a.principalId.startsWith('group:')) continue;
            if (which === '14d' && a.endsAt.getTime() - now.getTime() <= ASSIGNMENT_WARNINGS['1d']) continue;
            await this.sendTo(uow, { kind: 'user', principalId: a.principalId }, `warn${which}:${a.id}:${a.endsAt.toISOString()}`, {
              kind: 'expiry_warning',
              assignment: assignmentView(this.deps.directory, a),
              warning: which,
            });
            sent++;
          }
          return due.length;
        });
        if (n < batch) break;
      }
    }
    return sent;
  }

  /**
   * The next instant something comes due, so a scheduler can wake for it: an assignment's end, a
   * request's approval deadline or scheduled start, an activation's warning (`warnBefore` its
   * end), a time-bound assignment's 14-day or 1-day warning.
   */
  async nextDeadline(): Promise<Date | null> {
    return this.deps.store.transaction(async (uow) => {
      const [end, request, warnEnds, w1d, w14d] = await Promise.all([
        uow.assignments.nextEnd(),
        uow.requests.nextDeadline(),
        uow.assignments.nextWarningEnds(),
        uow.assignments.nextAssignmentWarningEnd('1d', ASSIGNMENT_WARNINGS['1d']),
        uow.assignments.nextAssignmentWarningEnd('14d', ASSIGNMENT_WARNINGS['14d']),
      ]);
      const times = [end, request].filter((d): d is Date => d !== null).map((d) => d.getTime());
      for (const w of warnEnds) {
        const policy = this.findPolicy(w.role, w.scope);
        if (policy && policy.warnBeforeMs > 0) times.push(w.endsAt.getTime() - policy.warnBeforeMs);
      }
      if (w1d) times.push(w1d.getTime() - ASSIGNMENT_WARNINGS['1d']);
      if (w14d) times.push(w14d.getTime() - ASSIGNMENT_WARNINGS['14d']);
      return times.length ? new Date(Math.min(...times)) : null;
    });
  }

  // ---------------------------------------------------------------- MFA enrolment

  /**
   * Enrols an authenticator for `principalId` and returns its secret and `otpauth://` URI, to be
   * shown once to the person (never queued, never stored in plaintext). Anyone may enrol
   * themselves once; replacing an authenticator, or enrolling someone else, takes an admin at the
   * CLI: from a chat account it would let whoever holds that account past MFA.
   */
  async enrollMfa(actor: Actor, principalId: string): Promise<{ secret: string; uri: string }> {
    return this.auditRefusal(actor, 'mfa_enroll', `principal:${principalId}`, { principal: principalId }, async () => {
      const { enroll, isEnrolled } = this.deps.mfa;
      if (!enroll || !isEnrolled) throw new PimError('invalid_input', { message: 'MFA enrolment is not available in this pimbot.' });
      const target = this.deps.directory.require(principalId);
      const self = target.id.toLowerCase() === actor.principal.id.toLowerCase();
      const adminAtCli = this.isAdmin(actor) && actor.platform === 'cli';
      if (!self && !adminAtCli) throw new PimError('not_admin');
      const now = this.now();
      return this.deps.store.transaction(async (uow) => {
        const replaced = await isEnrolled.call(this.deps.mfa, uow, target.id);
        if (replaced && !adminAtCli) throw new PimError('mfa_already_enrolled');
        const enrollment = await enroll.call(this.deps.mfa, uow, target.id, now);
        await uow.audit.append({ at: now, actor: actor.principal.id, action: 'mfa.enrolled', subject: `principal:${target.id}`, details: { principal: target.id, platform: actor.platform, replaced } });
        return enrollment;
      });
    });
  }

  // ---------------------------------------------------------------- digest

  /**
   * Sends the weekly digest to every PIM admin by DM and to the security channel. Runs once per
   * ISO week across replicas: the job lock keeps two replicas from building it at the same
   * moment, the audit row `digest.sent` (subject `digest:<week>`) keeps a later run from sending
   * it again, and the outbox dedupe key `digest:<week>` backs both.
   */
  async sendDigest(opts: { timeZone: string }): Promise<DigestOutcome> {
    const now = this.now();
    const week = isoWeek(now, opts.timeZone);
    const subject = `digest:${week}`;
    return this.deps.store.transaction(async (uow) => {
      if (!(await uow.locks.tryLock('digest'))) return { outcome: 'locked', week };
      if ((await uow.audit.list({ subjectPrefix: subject, limit: 1 })).some((e) => e.subject === subject)) return { outcome: 'already_sent', week };
      const [created, current, pending] = await Promise.all([
        uow.assignments.createdBetween(new Date(now.getTime() - DIGEST_PERIOD_MS), now),
        uow.assignments.find({ currentAt: now }),
        uow.requests.find({ states: ['pending_approval'] }),
      ]);
      const digest = buildDigest({ now, timeZone: opts.timeZone, created, current, pending, directory: this.deps.directory });
      const notice: Notice = { kind: 'digest', digest };
      const admins = this.deps.directory.adminIds();
      for (const id of admins) await this.sendTo(uow, { kind: 'user', principalId: id }, subject, notice);
      const toChannel = this.deps.channels.includes('security');
      if (toChannel) await this.sendTo(uow, { kind: 'channel', channel: 'security' }, subject, notice);
      await uow.audit.append({
        at: now,
        actor: 'system',
        action: 'digest.sent',
        subject,
        details: { week, admins: admins.length, securityChannel: toChannel, activations: digest.activations.total },
      });
      return { outcome: 'sent', week, digest };
    });
  }

  /**
   * Brings a queued notice up to date before it is delivered: an approval card posted late, or
   * updated out of order, always shows the request's state as it is now.
   */
  async currentNotice(notice: Notice): Promise<Notice> {
    if (notice.kind !== 'approval_request' && notice.kind !== 'request_pending') return notice;
    const r = await this.getRequest(notice.request.id);
    if (!r) return notice;
    const a = r.assignmentId ? await this.deps.store.transaction((uow) => uow.assignments.get(r.assignmentId as string)) : null;
    return { kind: notice.kind, request: requestView(this.deps.directory, r, a?.endsAt ?? null) };
  }

  // ---------------------------------------------------------------- helpers

  /** Common end of an assignment: request state, provider revoke, audit, notices. */
  private async finishAssignment(
    uow: UnitOfWork,
    by: string,
    a: Assignment,
    reason: 'expired' | 'deactivated' | 'removed',
    now: Date,
    opts: { requestDone?: boolean; reason?: string } = {},
  ): Promise<void> {
    if (a.requestId && !opts.requestDone) {
      await uow.requests.transition(a.requestId, ['active'], { state: reason === 'removed' ? 'revoked' : reason, updatedAt: now });
    }
    if (a.type === 'active' && !this.deps.provider.inline) {
      await uow.outbox.enqueue(`revoke:${a.id}`, { type: 'revoke', target: this.targetOf(a) });
    }
    const why = opts.reason ? { reason: opts.reason } : {};
    await this.audit(uow, by, a.type === 'active' && a.requestId ? `activation.${reason}` : `assignment.${reason}`, a, { endedAt: a.endedAt?.toISOString() ?? now.toISOString(), ...why });
    if (a.principalId.startsWith('group:')) return;
    const view = assignmentView(this.deps.directory, a);
    const notice: Notice =
      a.requestId || reason !== 'removed'
        ? { kind: 'activation_ended', assignment: view, reason: reason === 'removed' ? 'revoked' : reason, ...(opts.reason ? { removedBy: this.person(by), removalReason: opts.reason } : {}) }
        : { kind: 'assignment_changed', assignment: view, change: 'removed', by: this.person(by), ...why };
    await this.sendTo(uow, { kind: 'user', principalId: a.principalId }, `ended:${a.id}`, notice);
    const policy = this.findPolicy(a.role, a.scope);
    if (policy) await this.notifyChannels(uow, policy, reason === 'removed' ? 'removed' : reason, `ended:${a.id}`, notice);
  }

  private async oneActivation(uow: UnitOfWork, principalId: string, role: string, scope: string | undefined, now: Date): Promise<Assignment> {
    const a = await this.findActivation(uow, principalId, role, scope, now);
    if (!a) throw new PimError('not_active', { role });
    return a;
  }

  /** The principal's current activation of a role (at `scope` when given); null when none, scope_required when several. */
  private async findActivation(uow: UnitOfWork, principalId: string, role: string, scope: string | undefined, now: Date): Promise<Assignment | null> {
    const active = (await uow.assignments.find({ principalId, role, type: 'active', currentAt: now })).filter(
      (a) => a.requestId !== null && (!scope || a.scope.toLowerCase() === scope.toLowerCase()),
    );
    if (active.length > 1) throw new PimError('scope_required', { role, scopes: active.map((a) => a.scope).join(', ') });
    return active[0] ?? null;
  }

  /** The policy of a role at a scope, or undefined when the config no longer has them. */
  private findPolicy(roleName: string, scope: string): Policy | undefined {
    return this.deps.roles.find((r) => r.name === roleName)?.scopes.find((s) => s.path === scope)?.policy;
  }

  private pickScope(role: Role, scope: string | undefined): string {
    if (scope) return findScope(role, scope).path;
    if (role.scopes.length === 1) return (role.scopes[0] as { path: string }).path;
    throw new PimError('scope_required', { role: role.name, scopes: role.scopes.map((s) => s.path).join(', ') });
  }

  /** Current assignments of a principal, directly or through its groups. */
  private async currentAssignmentsOf(uow: UnitOfWork, principalId: string, now: Date): Promise<Assignment[]> {
    const ids = [principalId, ...this.deps.directory.groupsOf(principalId).map((g) => `group:${g}`)];
    const lists = await Promise.all(ids.map((id) => uow.assignments.find({ principalId: id, currentAt: now })));
    return lists.flat();
  }

  /** The reason an admin gives for assign or remove: required (the user is told it), at most 500 characters. */
  private adminReason(command: 'assign' | 'remove', user: Principal, role: string, reason: string | null | undefined): string {
    const text = reason?.trim() ?? '';
    if (!text) throw new PimError('reason_required', { role, command, user: user.name });
    checkReason(role, text, true);
    return text;
  }

  /**
   * The one MFA check of the core: activation, extension and approval all go through it, so
   * whatever it enforces holds for all of them: a valid, unused code, and the lockout. It holds the
   * principal's MFA record until commit, so concurrent checks on any replica count one after the
   * other. A wrong code is counted and audited in this transaction, which is committed although the
   * action is refused (CommitAndThrow): call it before the transaction writes anything else.
   */
  private async verifyMfa(uow: UnitOfWork, actor: Actor, role: string, code: string | null | undefined, now: Date, during = 'activate', requestId?: string): Promise<void> {
    const id = actor.principal.id;
    const lockout = this.deps.mfaLockout ?? DEFAULT_MFA_LOCKOUT;
    const state = await uow.mfa.lockForCheck(id);
    if (!state) throw new PimError('mfa_not_enrolled', { role });
    if (state.lockedUntil && state.lockedUntil.getTime() > now.getTime()) {
      throw new PimError('mfa_locked', { role, until: state.lockedUntil.toISOString() });
    }
    const verdict = await this.deps.mfa.verify(uow, id, (code ?? '').trim(), now);
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
    const subject = `principal:${id}`;
    const context = { principal: id, role, during, platform: actor.platform, ...(requestId ? { requestId } : {}) };
    await uow.audit.append({ at: now, actor: id, action: 'mfa.failed', subject, details: { ...context, verdict, failures, maxFailures: lockout.maxFailures } });
    const codeOf = verdict === 'reused' ? 'mfa_reused' : 'mfa_invalid';
    if (failures < lockout.maxFailures) {
      throw new CommitAndThrow(new PimError(codeOf, { role, attemptsLeft: lockout.maxFailures - failures }));
    }
    const until = new Date(now.getTime() + lockout.lockForMs);
    await uow.mfa.lockUntil(id, until);
    await uow.audit.append({ at: now, actor: 'system', action: 'mfa.locked', subject, details: { ...context, failures, windowMs: lockout.failureWindowMs, until: until.toISOString() } });
    const notice: Notice = {
      kind: 'mfa_locked',
      principal: this.person(id),
      failures,
      windowMs: lockout.failureWindowMs,
      until: until.toISOString(),
      during,
      role,
      platform: actor.platform,
    };
    const key = `mfa-locked:${id.toLowerCase()}:${until.toISOString()}`;
    if (this.deps.channels.includes('security')) await this.sendTo(uow, { kind: 'channel', channel: 'security' }, key, notice);
    await this.sendTo(uow, { kind: 'user', principalId: id }, key, notice);
    throw new CommitAndThrow(new PimError(codeOf, { role, lockedUntil: until.toISOString() }));
  }

  /** Admins only; an auditor is told they may read, not change. */
  private requireAdmin(actor: Actor): void {
    if (!this.isAdmin(actor)) throw new PimError(this.isAuditor(actor) ? 'auditor_read_only' : 'not_admin');
  }

  /** Admins and auditors: the audit trail and alerts. */
  private requireAuditReader(actor: Actor): void {
    if (!this.isAdmin(actor) && !this.isAuditor(actor)) throw new PimError('not_auditor');
  }

  private alreadyDecided(r: PimRequest): PimError {
    return new PimError('already_decided', { id: r.id, state: r.state, by: r.decidedBy ? this.person(r.decidedBy).name : undefined });
  }

  private person(id: string): { id: string; name: string } {
    return { id, name: this.deps.directory.get(id)?.name ?? id };
  }

  private endOf(r: PimRequest, now: Date): Date | null {
    return r.state === 'active' ? new Date(now.getTime() + r.durationMs) : null;
  }

  private targetOf(a: Assignment): GrantTarget {
    return { assignmentId: a.id, principalId: a.principalId, role: a.role, scope: a.scope, endsAt: a.endsAt, requestId: a.requestId };
  }

  private async audit(uow: UnitOfWork, actor: string, action: string, subject: PimRequest | Assignment, details: Record<string, unknown>): Promise<void> {
    const isRequest = 'kind' in subject;
    await uow.audit.append({
      at: this.now(),
      actor,
      action,
      subject: isRequest ? `request:${subject.id}` : `assignment:${subject.id}`,
      details: { principal: subject.principalId, role: subject.role, scope: subject.scope, ...details },
    });
  }

  /** Runs a privileged action; a refusal is written to the audit trail in its own transaction. */
  private async auditRefusal<T>(actor: Actor, action: string, subject: string, details: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isPimError(e) && !UNAUDITED.includes(e.code)) {
        await this.deps.store.transaction((uow) =>
          uow.audit.append({
            at: this.now(),
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

  /** Queues a notice to one recipient on every platform (the dispatcher skips unreachable ones). */
  private async sendTo(uow: UnitOfWork, to: Recipient, key: string, notice: Notice, subject?: string): Promise<void> {
    const who = to.kind === 'user' ? `u:${to.principalId}` : `c:${to.channel}`;
    for (const platform of this.deps.platforms()) {
      await uow.outbox.enqueue(`msg:${key}:${who}:${platform}`, { type: 'message', platform, to, notice, ...(subject ? { subject } : {}) });
    }
  }

  private async notifyChannels(uow: UnitOfWork, policy: Policy, event: keyof Policy['notify'], key: string, notice: Notice): Promise<void> {
    for (const channel of policy.notify[event] ?? []) {
      if (this.deps.channels.includes(channel)) await this.sendTo(uow, { kind: 'channel', channel }, `${key}:${event}`, notice);
    }
  }

  /** Posts the approval card to the approvals channel, or to each approver's DM when there is none. */
  private async announceApprovalRequest(uow: UnitOfWork, r: PimRequest, approvers: string[]): Promise<void> {
    const notice: Notice = { kind: 'approval_request', request: requestView(this.deps.directory, r) };
    const subject = `request:${r.id}`;
    if (this.deps.channels.includes('approvals')) {
      await this.sendTo(uow, { kind: 'channel', channel: 'approvals' }, `approval:${r.id}`, notice, subject);
    } else {
      for (const id of approvers) await this.sendTo(uow, { kind: 'user', principalId: id }, `approval:${r.id}`, notice, subject);
    }
    await this.sendTo(uow, { kind: 'user', principalId: r.principalId }, `pending:${r.id}`, { kind: 'request_pending', request: requestView(this.deps.directory, r) }, `pending:${r.id}`);
  }

  /**
   * Updates every posted copy of a request's approval card to its current state, and the
   * requester's "waiting for approval" message with it (its Cancel button goes once decided).
   */
  private async updateApprovalCards(uow: UnitOfWork, r: PimRequest, why: string): Promise<void> {
    const view = requestView(this.deps.directory, r);
    for (const platform of this.deps.platforms()) {
      await uow.outbox.enqueue(`update:${r.id}:${why}:${platform}`, { type: 'update', platform, subject: `request:${r.id}`, notice: { kind: 'approval_request', request: view } });
      await uow.outbox.enqueue(`update:pending:${r.id}:${why}:${platform}`, { type: 'update', platform, subject: `pending:${r.id}`, notice: { kind: 'request_pending', request: view } });
    }
  }
}

/** A new assignment starting now, not ended and not warned. */
function newAssignment(
  f: Pick<Assignment, 'id' | 'principalId' | 'role' | 'scope' | 'type' | 'endsAt' | 'requestId' | 'createdBy'>,
  now: Date,
): Assignment {
  return { ...f, startsAt: now, createdAt: now, endedAt: null, endReason: null, warnedAt: null, warned14dAt: null, warned1dAt: null };
}

/** Request ids are shown upper-case; accept them typed any way. */
export function normaliseId(id: string): string {
  return id.trim().replace(/^#/, '').toUpperCase();
}
