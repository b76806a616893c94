/**
 * Policy rules as pure functions: what an activation must carry, and what an assignment may be.
 */
import { DAY, formatDuration, MINUTE } from './duration.js';
import { PimError } from './errors.js';
import type { AssignmentType, Policy, Role, RoleScope } from './types.js';

export const MIN_ACTIVATION_MS = 5 * MINUTE;
export const MAX_ACTIVATION_MS = 24 * 60 * MINUTE;
export const MAX_REASON_LENGTH = 500;
export const MAX_TICKET_LENGTH = 100;
/** How far ahead a scheduled start may be. */
export const MAX_SCHEDULE_AHEAD_MS = 30 * DAY;
/** Renewal of an assignment may be asked within this long of its end (Entra PIM: 14 days). */
export const RENEW_WINDOW_MS = 14 * DAY;

/** The role setting a config gets for every key it leaves out (src/config/pim-config.ts fills policies from it). */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  maxActivationMs: 8 * 60 * MINUTE,
  requireJustification: true,
  requireTicket: false,
  requireMfa: false,
  approval: Object.freeze({ required: false, approvers: [], timeoutMs: DAY, requireMfa: false }),
  notify: Object.freeze({}),
  eligibleExpiryMs: 365 * DAY,
  activeExpiryMs: 180 * DAY,
  allowPermanentEligible: true,
  allowPermanentActive: false,
  warnBeforeMs: 10 * MINUTE,
});

/** What an activation can be missing that a person can supply in a form. */
export type MissingInput = 'reason' | 'ticket' | 'code' | 'scope';

export interface ActivationInput {
  durationMs?: number;
  reason?: string | null;
  ticket?: string | null;
  mfaCode?: string | null;
  startAt?: Date | null;
}

const blank = (s: string | null | undefined): boolean => s === undefined || s === null || s.trim() === '';

/** Finds a role by name, case-insensitively. */
export function findRole(roles: Role[], name: string): Role {
  const wanted = name.trim().toLowerCase();
  const role = roles.find((r) => r.name.toLowerCase() === wanted);
  if (!role) throw new PimError('unknown_role', { role: name });
  return role;
}

export function findScope(role: Role, scope: string): RoleScope {
  const s = role.scopes.find((x) => x.path === scope || x.path.toLowerCase() === scope.toLowerCase());
  if (!s) throw new PimError('unknown_scope', { role: role.name, scope, scopes: role.scopes.map((x) => x.path).join(', ') });
  return s;
}

/** The inputs the policy asks for that were not given (for pre-filled modals and cards). */
export function missingInputs(policy: Policy, input: ActivationInput): MissingInput[] {
  const missing: MissingInput[] = [];
  if (policy.requireJustification && blank(input.reason)) missing.push('reason');
  if (policy.requireTicket && blank(input.ticket)) missing.push('ticket');
  if (policy.requireMfa && blank(input.mfaCode)) missing.push('code');
  return missing;
}

/** The duration an activation gets when none was asked: the policy maximum, capped at 1h. */
export function defaultDuration(policy: Policy): number {
  return Math.min(policy.maxActivationMs, 60 * MINUTE);
}

/**
 * Checks an activation against its policy, except MFA (verified against stored secrets) and
 * eligibility (needs the database). Throws the first PimError found.
 */
export function checkActivation(role: string, policy: Policy, input: ActivationInput, now: Date): void {
  const duration = input.durationMs ?? defaultDuration(policy);
  if (duration < MIN_ACTIVATION_MS) throw new PimError('duration_too_short', { role, min: formatDuration(MIN_ACTIVATION_MS) });
  if (duration > policy.maxActivationMs) throw new PimError('duration_too_long', { role, max: formatDuration(policy.maxActivationMs) });
  checkReason(role, input.reason, policy.requireJustification);
  checkTicket(role, policy, input.ticket);
  if (policy.requireMfa && blank(input.mfaCode)) throw new PimError('mfa_required', { role });
  if (input.startAt) {
    if (input.startAt.getTime() < now.getTime() - MINUTE) throw new PimError('start_in_past');
    if (input.startAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) {
      throw new PimError('start_too_far', { max: formatDuration(MAX_SCHEDULE_AHEAD_MS) });
    }
  }
}

/** Refuses a missing ticket (when required), an oversized one, and one not matching `ticketPattern`. */
export function checkTicket(role: string, policy: Policy, ticket: string | null | undefined): void {
  if (policy.requireTicket && blank(ticket)) throw new PimError('ticket_required', { role });
  if (blank(ticket)) return;
  const t = (ticket as string).trim();
  if (t.length > MAX_TICKET_LENGTH) throw new PimError('ticket_invalid', { role, ticket: t.slice(0, 40), pattern: `at most ${MAX_TICKET_LENGTH} characters` });
  // The whole ticket must match, even when the configured pattern has no ^...$ anchors.
  if (policy.ticketPattern && !new RegExp(`^(?:${policy.ticketPattern})$`).test(t)) {
    throw new PimError('ticket_invalid', { role, ticket: t, pattern: policy.ticketPattern });
  }
}

/**
 * How much longer an activation may run: the policy's `maxActivation` counts its whole length,
 * from its start to its end, however often it is extended. Zero when it already runs its full length.
 */
export function extensionRoom(policy: Policy, activation: { startsAt: Date; endsAt: Date | null }, now: Date): number {
  const end = activation.endsAt ?? now;
  return Math.max(0, activation.startsAt.getTime() + policy.maxActivationMs - end.getTime());
}

/**
 * Checks an extension of an activation against its policy: the same reason, ticket and MFA code
 * an activation needs, and a new end within `maxActivation` of the activation's start (never of
 * now, or repeated extensions would make it standing access). MFA is verified by the caller.
 */
export function checkExtension(role: string, policy: Policy, activation: { startsAt: Date; endsAt: Date | null }, input: ActivationInput & { durationMs: number }, now: Date): void {
  checkExtensionLength(role, policy, activation, input.durationMs, now);
  checkReason(role, input.reason, policy.requireJustification);
  checkTicket(role, policy, input.ticket);
  if (policy.requireMfa && blank(input.mfaCode)) throw new PimError('mfa_required', { role });
}

/** Refuses an extension that would take the activation past `maxActivation` from its start, saying how much more is allowed. */
export function checkExtensionLength(role: string, policy: Policy, activation: { startsAt: Date; endsAt: Date | null }, durationMs: number, now: Date): void {
  const room = extensionRoom(policy, activation, now);
  if (durationMs <= room) return;
  // Shown in whole minutes, rounded down, so that asking for what the refusal says is accepted.
  const more = Math.floor(room / MINUTE) * MINUTE;
  throw new PimError('extension_too_long', { role, max: formatDuration(policy.maxActivationMs), more: formatDuration(more), moreMs: more });
}

/** Refuses a missing reason (when required) and an oversized one (never truncated). */
export function checkReason(role: string, reason: string | null | undefined, required: boolean): void {
  if (required && blank(reason)) throw new PimError('reason_required', { role });
  if (reason && reason.length > MAX_REASON_LENGTH) {
    throw new PimError('reason_too_long', { length: reason.length, max: MAX_REASON_LENGTH });
  }
}

/**
 * The end of an admin-made assignment, checked against the policy's expiry limits.
 * `endsAt` null asks for a permanent assignment.
 */
/** What a policy allows an assignment of a type: whether it may be permanent, and its longest time-bound length (null: no limit). */
export function assignmentLimits(policy: Policy, type: AssignmentType): { allowPermanent: boolean; maxMs: number | null } {
  return type === 'eligible'
    ? { allowPermanent: policy.allowPermanentEligible, maxMs: policy.eligibleExpiryMs }
    : { allowPermanent: policy.allowPermanentActive, maxMs: policy.activeExpiryMs };
}

export function checkAssignmentEnd(role: string, policy: Policy, type: AssignmentType, now: Date, endsAt: Date | null): void {
  const { allowPermanent, maxMs: limit } = assignmentLimits(policy, type);
  if (endsAt === null) {
    if (!allowPermanent) {
      throw new PimError('expiry_required', { role, type, max: limit === null ? 'no limit' : formatDuration(limit) });
    }
    return;
  }
  if (endsAt.getTime() <= now.getTime()) throw new PimError('invalid_input', { message: 'The assignment would end in the past. Give a later --until or a --for duration.' });
  if (limit !== null && endsAt.getTime() - now.getTime() > limit) {
    throw new PimError('expiry_too_long', { role, type, max: formatDuration(limit) });
  }
}
