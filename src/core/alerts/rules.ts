/**
 * The alert rules, as pure functions of what PIM holds at one instant. Each returns the incidents
 * it finds; the scan (scan.ts) compares them with the stored alerts. Modelled on Entra PIM's
 * alert definitions:
 * - too_many_critical_holders: "There are too many global administrators": both criteria, a
 *   count of the critical roles' assignments and their share of all assignments, must be exceeded;
 * - frequent_activations: "Roles are being activated too frequently" (sequential activation renewals);
 * - unused_eligible: "Administrators aren't using their privileged roles" (redundant assignment);
 * - no_mfa: "Roles don't require multifactor authentication for activation";
 * - permanent_active: permanent active assignments of a role whose policy does not allow them;
 * - break_glass: every activation or admin-made active assignment of a break-glass account.
 * `channel_failing` is raised from delivery failures, not from this snapshot (scan.ts).
 */
import type { Directory } from '../directory.js';
import type { AlertIncident, AlertSettings, Assignment, Role } from '../types.js';

export interface AlertSnapshot {
  now: Date;
  roles: Role[];
  directory: Directory;
  /** Assignments current at `now` (not ended, not past their end), activations included. */
  current: Assignment[];
  /**
   * Activations that started within the longest look-back a rule needs (the frequent-activation
   * window and the unused-role days), ended or not.
   */
  recentActivations: Assignment[];
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Every rule on, with Entra PIM's severities where it has the rule (a break-glass account's use
 * is critical): more than 5 assignments of a critical role that are also more than 10 % of all;
 * 10 activations of one role by one person within a day; 90 days without using a role.
 */
export const DEFAULT_ALERT_SETTINGS: Readonly<AlertSettings> = {
  criticalRoles: ['Owner', 'Global Administrator', 'Privileged Role Administrator', 'User Access Administrator'],
  too_many_critical_holders: { enabled: true, severity: 'medium', maxHolders: 5, maxPercent: 10 },
  frequent_activations: { enabled: true, severity: 'low', activations: 10, windowMs: DAY_MS },
  unused_eligible: { enabled: true, severity: 'low', days: 90 },
  no_mfa: { enabled: true, severity: 'low' },
  permanent_active: { enabled: true, severity: 'medium' },
  break_glass: { enabled: true, severity: 'critical' },
  channel_failing: { enabled: true, severity: 'high' },
  outside_pim: { enabled: true, severity: 'high' },
};
const isActivation = (a: Assignment): boolean => a.type === 'active' && a.requestId !== null;
const policyOf = (roles: Role[], role: string, scope: string) => roles.find((r) => r.name === role)?.scopes.find((s) => s.path === scope)?.policy;

/** Every incident the enabled rules find in `s`, in a stable order. */
export function evaluateRules(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  const found: AlertIncident[] = [];
  if (settings.too_many_critical_holders.enabled) found.push(...tooManyCriticalHolders(s, settings));
  if (settings.frequent_activations.enabled) found.push(...frequentActivations(s, settings));
  if (settings.unused_eligible.enabled) found.push(...unusedEligible(s, settings));
  if (settings.no_mfa.enabled) found.push(...noMfa(s, settings));
  if (settings.permanent_active.enabled) found.push(...permanentActive(s, settings));
  if (settings.break_glass.enabled) found.push(...breakGlass(s, settings));
  return found;
}

/** How far back the snapshot's `recentActivations` must reach for these settings. */
export function lookbackMs(settings: AlertSettings): number {
  return Math.max(settings.frequent_activations.windowMs, settings.unused_eligible.days * DAY_MS);
}

/**
 * Per critical role: its assignments (eligible and admin-made active; an activation is the same
 * person using an eligible one, so it is not counted again), against all assignments.
 */
function tooManyCriticalHolders(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  const rule = settings.too_many_critical_holders;
  const standing = s.current.filter((a) => !isActivation(a));
  if (standing.length === 0) return [];
  const critical = new Set(settings.criticalRoles.map((r) => r.toLowerCase()));
  const out: AlertIncident[] = [];
  for (const role of s.roles.filter((r) => critical.has(r.name.toLowerCase()))) {
    const held = standing.filter((a) => a.role === role.name);
    const percent = Math.round((held.length / standing.length) * 1000) / 10;
    if (held.length <= rule.maxHolders || percent <= rule.maxPercent) continue;
    const holders = [...new Set(held.map((a) => a.principalId))].sort();
    out.push({
      rule: 'too_many_critical_holders',
      key: `too_many_critical_holders:${role.name}`,
      severity: rule.severity,
      subject: { role: role.name },
      facts: { assignments: held.length, percent, total: standing.length, maxHolders: rule.maxHolders, maxPercent: rule.maxPercent, holders },
      measure: held.length,
    });
  }
  return out;
}

/** One person activating one role `activations` times or more within the window. */
function frequentActivations(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  const rule = settings.frequent_activations;
  const from = s.now.getTime() - rule.windowMs;
  const counts = new Map<string, Assignment[]>();
  for (const a of s.recentActivations) {
    if (a.startsAt.getTime() < from || a.startsAt.getTime() > s.now.getTime()) continue;
    const key = `${a.principalId}\u0000${a.role}`;
    counts.set(key, [...(counts.get(key) ?? []), a]);
  }
  const out: AlertIncident[] = [];
  for (const list of counts.values()) {
    if (list.length < rule.activations) continue;
    const first = list.reduce((m, a) => (a.startsAt < m.startsAt ? a : m));
    const { principalId, role } = first;
    out.push({
      rule: 'frequent_activations',
      key: `frequent_activations:${principalId}:${role}`,
      severity: rule.severity,
      subject: { principalId, role },
      facts: { activations: list.length, threshold: rule.activations, windowMs: rule.windowMs },
      measure: list.length,
      since: first.startsAt,
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * An eligible assignment held for more than `days` days without an activation in the last
 * `days` days. Break-glass accounts are meant to lie unused, so they are left out.
 */
function unusedEligible(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  const rule = settings.unused_eligible;
  const from = s.now.getTime() - rule.days * DAY_MS;
  const used = new Set(s.recentActivations.filter((a) => a.startsAt.getTime() >= from).map((a) => `${a.principalId}\u0000${a.role}\u0000${a.scope}`));
  const lastUse = new Map<string, Date>();
  for (const a of s.recentActivations) {
    const k = `${a.principalId}\u0000${a.role}\u0000${a.scope}`;
    if (!lastUse.has(k) || (lastUse.get(k) as Date) < a.startsAt) lastUse.set(k, a.startsAt);
  }
  const out: AlertIncident[] = [];
  for (const a of s.current) {
    if (a.type !== 'eligible' || a.startsAt.getTime() > from) continue;
    if (s.directory.get(a.principalId)?.breakGlass) continue;
    const k = `${a.principalId}\u0000${a.role}\u0000${a.scope}`;
    if (used.has(k)) continue;
    out.push({
      rule: 'unused_eligible',
      key: `unused_eligible:${a.id}`,
      severity: rule.severity,
      subject: { principalId: a.principalId, role: a.role, scope: a.scope, assignmentId: a.id },
      facts: { days: rule.days, eligibleSince: a.startsAt.toISOString() },
      measure: Math.floor((s.now.getTime() - a.startsAt.getTime()) / DAY_MS),
      since: a.startsAt,
    });
  }
  return out;
}

/** One incident per role with any scope whose policy lets it be activated without MFA. */
function noMfa(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  const out: AlertIncident[] = [];
  for (const role of s.roles) {
    const scopes = role.scopes.filter((sc) => !sc.policy.requireMfa).map((sc) => sc.path);
    if (scopes.length === 0) continue;
    out.push({ rule: 'no_mfa', key: `no_mfa:${role.name}`, severity: settings.no_mfa.severity, subject: { role: role.name }, facts: { scopes }, measure: scopes.length });
  }
  return out;
}

/** Permanent active assignments where the role's policy does not allow permanent active ones. */
function permanentActive(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  return s.current
    .filter((a) => a.type === 'active' && a.endsAt === null && policyOf(s.roles, a.role, a.scope)?.allowPermanentActive === false)
    .map((a) => ({
      rule: 'permanent_active' as const,
      key: `permanent_active:${a.id}`,
      severity: settings.permanent_active.severity,
      subject: { principalId: a.principalId, role: a.role, scope: a.scope, assignmentId: a.id },
      facts: { assignedBy: a.createdBy, assignedAt: a.startsAt.toISOString() },
      measure: 1,
      since: a.startsAt,
    }));
}

/** Every current active assignment of a break-glass account: an activation or an admin's grant. */
function breakGlass(s: AlertSnapshot, settings: AlertSettings): AlertIncident[] {
  return s.current
    .filter((a) => a.type === 'active' && s.directory.get(a.principalId)?.breakGlass)
    .map((a) => ({
      rule: 'break_glass' as const,
      key: `break_glass:${a.id}`,
      severity: settings.break_glass.severity,
      subject: { principalId: a.principalId, role: a.role, scope: a.scope, assignmentId: a.id },
      facts: { activation: isActivation(a), requestId: a.requestId, endsAt: a.endsAt?.toISOString() ?? null, by: a.createdBy },
      measure: 1,
      since: a.startsAt,
    }));
}
