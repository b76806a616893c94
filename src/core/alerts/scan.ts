/**
 * The alert lifecycle. A scan evaluates the rules over what PIM holds now and compares the
 * incidents with the stored alerts: a new one is raised (one card to the security channel and to
 * the channels `notify.alert` names); one that still holds stays open, its facts kept current; one
 * that no longer holds is resolved and its card updated in place. Scans run on a schedule and
 * right after the changes that can trigger a rule, one replica at a time (a job lock), and the
 * live-key index makes a second raise of one incident impossible anyway.
 *
 * Dismissal: a dismissed alert stays dismissed while its condition holds and is no worse than
 * when it was dismissed (its measure, e.g. the number of holders, not higher). When the
 * condition clears, the dismissed alert is resolved, so the same condition returning is a new
 * incident; when it gets worse, the dismissal no longer covers it and a new incident is raised.
 */
import { SECURITY_CHANNEL } from '../channels.js';
import { PimError } from '../errors.js';
import { lockKeys, noticeKeys, outboxKeys, subjects } from '../keys.js';
import type { AlertView, Notice } from '../notices.js';
import type { UnitOfWork } from '../ports.js';
import { appendAudit, auditRefusal, person, requireAdmin, requireAuditReader, sendTo, type PimDeps } from '../shared/index.js';
import type { Actor, Alert, AlertIncident, AlertRule, AlertSettings, Assignment } from '../types.js';
import { evaluateRules, lookbackMs } from './rules.js';

/** Rules the scan evaluates from PIM's own data; `channel_failing` is raised by delivery failures, `outside_pim` by reconciliation. */
const SCANNED: ReadonlySet<AlertRule> = new Set(['too_many_critical_holders', 'frequent_activations', 'unused_eligible', 'no_mfa', 'permanent_active', 'break_glass']);

export interface AlertScanResult {
  outcome: 'scanned' | 'locked';
  raised: string[];
  resolved: string[];
  open: number;
}

const isActivation = (a: Assignment): boolean => a.type === 'active' && a.requestId !== null;

export function alertView(deps: PimDeps, a: Alert): AlertView {
  const name = (id: string | null | undefined) => (id ? { id, name: person(deps, id).name } : null);
  return {
    id: a.id,
    rule: a.rule,
    severity: a.severity,
    state: a.state,
    role: a.subject.role ?? null,
    scope: a.subject.scope ?? null,
    principal: name(a.subject.principalId),
    channel: a.subject.channel ?? null,
    facts: a.facts,
    since: a.since?.toISOString() ?? null,
    openedAt: a.openedAt.toISOString(),
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
    dismissedBy: name(a.dismissedBy),
    dismissedAt: a.dismissedAt?.toISOString() ?? null,
    dismissReason: a.dismissReason,
  };
}

/** The channels an alert's card goes to: the security channel and those its role's policies name for `alert`. */
function alertChannels(deps: PimDeps, a: Alert): string[] {
  const named = new Set<string>();
  if (deps.channels.includes(SECURITY_CHANNEL)) named.add(SECURITY_CHANNEL);
  const role = deps.roles.find((r) => r.name === a.subject.role);
  for (const scope of role?.scopes ?? []) {
    if (a.subject.scope && scope.path !== a.subject.scope) continue;
    for (const c of scope.policy.notify.alert ?? []) if (deps.channels.includes(c)) named.add(c);
  }
  return [...named];
}

/**
 * Posts a new alert's card. With no channel to post it to, the admins hear a high or critical one
 * by DM (a break-glass account in use); lower ones wait in `alerts` rather than fill their DMs.
 */
async function announce(deps: PimDeps, uow: UnitOfWork, a: Alert): Promise<void> {
  const notice: Notice = { kind: 'security_alert', alert: alertView(deps, a) };
  const subject = subjects.alert(a.id);
  const key = noticeKeys.alert(a.id);
  const channels = alertChannels(deps, a);
  for (const channel of channels) await sendTo(deps, uow, { kind: 'channel', channel }, key, notice, subject);
  if (channels.length === 0 && (a.severity === 'high' || a.severity === 'critical')) {
    for (const id of deps.directory.adminIds()) await sendTo(deps, uow, { kind: 'user', principalId: id }, key, notice, subject);
  }
}

/** Updates every posted copy of an alert's card to its state now. */
async function updateCards(deps: PimDeps, uow: UnitOfWork, a: Alert, why: 'resolved' | 'dismissed'): Promise<void> {
  const notice: Notice = { kind: 'security_alert', alert: alertView(deps, a) };
  for (const platform of deps.platforms()) {
    await uow.outbox.enqueue(outboxKeys.alertUpdate(a.id, why, platform), { type: 'update', platform, subject: subjects.alert(a.id), notice });
  }
}

const newAlertId = (deps: PimDeps): string => `A-${deps.ids.requestId().replace(/^R-/, '')}`;

/**
 * Raises an incident as a new open alert, unless an open or dismissed one has its key. Its card
 * goes to the alert channels, or (`toAdmins`) to the admins by DM: a channel that refuses
 * pimbot's messages cannot hear that it does.
 */
async function raise(deps: PimDeps, uow: UnitOfWork, i: AlertIncident, now: Date, opts: { toAdmins?: boolean; details?: Record<string, unknown> } = {}): Promise<Alert | null> {
  const alert: Alert = { ...i, id: newAlertId(deps), state: 'open', openedAt: now, updatedAt: now, resolvedAt: null, dismissedAt: null, dismissedBy: null, dismissReason: null };
  if (!(await uow.alerts.insert(alert))) return null;
  await appendAudit(uow, { at: now, actor: 'system', action: 'alert.raised', subject: subjects.alert(alert.id), details: { rule: i.rule, key: i.key, severity: i.severity, ...i.subject, measure: i.measure, ...opts.details } });
  if (opts.toAdmins) {
    const notice: Notice = { kind: 'security_alert', alert: alertView(deps, alert) };
    for (const id of deps.directory.adminIds()) await sendTo(deps, uow, { kind: 'user', principalId: id }, noticeKeys.alert(alert.id), notice, subjects.alert(alert.id));
  } else {
    await announce(deps, uow, alert);
  }
  return alert;
}

async function resolve(deps: PimDeps, uow: UnitOfWork, a: Alert, now: Date, why: 'cleared' | 'superseded' | 'rule_disabled'): Promise<Alert | null> {
  const done = await uow.alerts.transition(a.id, ['open', 'dismissed'], { state: 'resolved', resolvedAt: now, updatedAt: now });
  if (!done) return null;
  await appendAudit(uow, { at: now, actor: 'system', action: 'alert.resolved', subject: subjects.alert(a.id), details: { rule: a.rule, key: a.key, why, wasDismissed: a.state === 'dismissed' } });
  await updateCards(deps, uow, done, 'resolved');
  return done;
}

/** One scan: raise what is new, keep what holds, resolve what cleared. */
export async function scanAlerts(deps: PimDeps, settings: AlertSettings): Promise<AlertScanResult> {
  return deps.store.transaction(async (uow) => {
    if (!(await uow.locks.tryLock(lockKeys.alerts))) return { outcome: 'locked', raised: [], resolved: [], open: 0 };
    const now = deps.clock.now();
    const [current, created] = await Promise.all([uow.assignments.find({ currentAt: now }), uow.assignments.createdBetween(new Date(now.getTime() - lookbackMs(settings)), new Date(now.getTime() + 1))]);
    const incidents = evaluateRules({ now, roles: deps.roles, directory: deps.directory, current, recentActivations: created.filter(isActivation) }, settings);
    const live = (await uow.alerts.find(['open', 'dismissed'])).filter((a) => SCANNED.has(a.rule));
    const byKey = new Map(live.map((a) => [a.key, a]));
    const seen = new Set<string>();
    const raised: string[] = [];
    const resolved: string[] = [];
    for (const i of incidents) {
      seen.add(i.key);
      const had = byKey.get(i.key);
      if (had?.state === 'dismissed' && i.measure > had.measure) {
        // Worse than what was dismissed: the dismissal does not cover it.
        if (await resolve(deps, uow, had, now, 'superseded')) resolved.push(had.id);
      } else if (had) {
        if (had.measure !== i.measure || had.severity !== i.severity || JSON.stringify(had.facts) !== JSON.stringify(i.facts)) {
          await uow.alerts.refresh(had.id, { facts: i.facts, measure: i.measure, severity: i.severity, updatedAt: now });
        }
        continue;
      }
      const made = await raise(deps, uow, i, now);
      if (made) raised.push(made.id);
    }
    for (const a of live) {
      if (seen.has(a.key)) continue;
      if (await resolve(deps, uow, a, now, settings[a.rule].enabled ? 'cleared' : 'rule_disabled')) resolved.push(a.id);
    }
    return { outcome: 'scanned', raised, resolved, open: await uow.alerts.count(['open']) };
  });
}

/**
 * A channel refuses pimbot's messages for good (not invited, wrong id): raised once per channel
 * while open, told to the admins by DM, since the channel itself cannot hear it.
 */
export async function raiseChannelFailing(deps: PimDeps, settings: AlertSettings, channel: string, error: string): Promise<Alert | null> {
  if (!settings.channel_failing.enabled) return null;
  return deps.store.transaction(async (uow) => {
    const now = deps.clock.now();
    const i: AlertIncident = { rule: 'channel_failing', key: `channel_failing:${channel}`, severity: settings.channel_failing.severity, subject: { channel }, facts: { error }, measure: 1, since: now };
    return raise(deps, uow, i, now, { toAdmins: true, details: { error } });
  });
}

/** A grant a target holds that PIM did not make, as the reconciliation job reports it. */
export interface OutsideGrant {
  role: string;
  scope: string;
  identity: string;
  principalId: string | null;
}

/**
 * After a reconciliation run: each grant held outside PIM is an open `outside_pim` alert (raised
 * once); an open one whose grant is gone resolves, unless its role and scope could not be listed
 * this time (`unlisted`), where nothing is known.
 */
export async function syncOutsidePim(deps: PimDeps, settings: AlertSettings, run: { held: OutsideGrant[]; unlisted: { role: string; scope: string }[] }): Promise<AlertScanResult> {
  return deps.store.transaction(async (uow) => {
    const now = deps.clock.now();
    const raised: string[] = [];
    const resolved: string[] = [];
    const seen = new Set<string>();
    if (settings.outside_pim.enabled) {
      for (const g of run.held) {
        const key = `outside_pim:${g.role}:${g.scope}:${g.identity.toLowerCase()}`;
        seen.add(key);
        if (await uow.alerts.live(key)) continue;
        const subject = { role: g.role, scope: g.scope, identity: g.identity, ...(g.principalId ? { principalId: g.principalId } : {}) };
        const made = await raise(deps, uow, { rule: 'outside_pim', key, severity: settings.outside_pim.severity, subject, facts: { identity: g.identity }, measure: 1, since: now }, now);
        if (made) raised.push(made.id);
      }
    }
    const unlisted = new Set(run.unlisted.map((u) => `${u.role}\u0000${u.scope}`));
    for (const a of await uow.alerts.find(['open', 'dismissed'])) {
      if (a.rule !== 'outside_pim' || seen.has(a.key) || unlisted.has(`${a.subject.role}\u0000${a.subject.scope}`)) continue;
      if (await resolve(deps, uow, a, now, settings.outside_pim.enabled ? 'cleared' : 'rule_disabled')) resolved.push(a.id);
    }
    return { outcome: 'scanned', raised, resolved, open: await uow.alerts.count(['open']) };
  });
}

/** A message reached a channel again: its channel_failing alert, if open, is resolved. */
export async function channelDelivered(deps: PimDeps, channel: string): Promise<void> {
  await deps.store.transaction(async (uow) => {
    const now = deps.clock.now();
    const a = await uow.alerts.live(`channel_failing:${channel}`);
    if (a) await resolve(deps, uow, a, now, 'cleared');
  });
}

/** Open alerts, most severe first (admins and auditors). */
export async function listAlerts(deps: PimDeps, actor: Actor): Promise<AlertView[]> {
  return auditRefusal(deps, actor, 'alerts', 'alerts', {}, async () => {
    requireAuditReader(deps, actor);
    const open = await deps.store.transaction((uow) => uow.alerts.find(['open']));
    const rank = { critical: 0, high: 1, medium: 2, low: 3 };
    return open.sort((a, b) => rank[a.severity] - rank[b.severity] || a.openedAt.getTime() - b.openedAt.getTime()).map((a) => alertView(deps, a));
  });
}

/** How many alerts are open (the digest, the App Home). */
export function countOpenAlerts(deps: PimDeps): Promise<number> {
  return deps.store.transaction((uow) => uow.alerts.count(['open']));
}

/** An admin dismisses an open alert, with a reason; anyone else is refused, audited, and nothing changes. */
export async function dismissAlert(deps: PimDeps, actor: Actor, id: string, reason: string): Promise<AlertView> {
  const alertId = id.trim().toUpperCase();
  return auditRefusal(deps, actor, 'alert-dismiss', subjects.alert(alertId), {}, async () => {
    requireAdmin(deps, actor);
    const why = reason.trim();
    if (!why) throw new PimError('reason_required', { command: 'alert dismiss', user: 'The security channel' });
    if (why.length > 500) throw new PimError('reason_too_long', { length: why.length, max: 500 });
    return deps.store.transaction(async (uow) => {
      const now = deps.clock.now();
      const a = await uow.alerts.get(alertId);
      if (!a) throw new PimError('unknown_alert', { id: alertId });
      const done = await uow.alerts.transition(a.id, ['open'], { state: 'dismissed', dismissedAt: now, dismissedBy: actor.principal.id, dismissReason: why, updatedAt: now });
      if (!done) throw new PimError('alert_closed', { id: a.id, state: a.state, by: a.dismissedBy ? person(deps, a.dismissedBy).name : undefined });
      await appendAudit(uow, { at: now, actor: actor.principal.id, action: 'alert.dismissed', subject: subjects.alert(a.id), details: { rule: a.rule, key: a.key, reason: why, measure: a.measure, platform: actor.platform } });
      await updateCards(deps, uow, done, 'dismissed');
      return alertView(deps, done);
    });
  });
}
