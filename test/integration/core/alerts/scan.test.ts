/**
 * Security alerts on the real test database with a manual clock: each rule raised once and not
 * twice, resolved when its condition clears (the card updated in place), dismissed by an admin
 * only, a dismissal covering the incident while it is no worse, break-glass use raised at the
 * next scan, failing channels told to the admins, and two scans at once raising each once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, AlertView } from '../../../../src/core/index.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase } from '../../../support/db.js';
import { channel, DAY, dm, expectPimError, HOUR, MIN, PimFixture, START } from '../../../support/pim.js';

const CONFIG = (yaml: string) =>
  yaml
    .replace('    - { id: dave@example.com, name: Dave, slack: U0DAVE }', '    - { id: dave@example.com, name: Dave, slack: U0DAVE }\n    - { id: glass@example.com, name: Break Glass, breakGlass: true }')
    .replace('bootstrap:\n  assignments:', 'bootstrap:\n  assignments:\n    - { principal: glass@example.com, role: Owner, type: eligible }')
    .replace(
      'channels:',
      `alerts:
  criticalRoles: [Owner]
  tooManyCriticalHolders: { maxHolders: 2, maxPercent: 10 }
  frequentActivations: { activations: 3, window: 1h }
  unusedEligible: { days: 30 }
channels:`,
    );

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { yaml: CONFIG });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);
const erin = () => fx.actor('erin');
const rows = async (): Promise<Alert[]> => fx.store.transaction((u) => u.alerts.find(['open', 'dismissed', 'resolved']));
const byRule = async (rule: string) => (await rows()).filter((a) => a.rule === rule);
const cards = async () => (await fx.messages({ kind: 'security_alert' })).map((m) => ({ to: m.to, alert: (m.notice as { alert: AlertView }).alert }));
const updates = async () => (await fx.outbox()).filter((r) => r.payload.type === 'update' && r.payload.subject.startsWith('alert:'));

describe('the scan', () => {
  it('raises each incident once, posts one card per alert to the security channel, and raises nothing on the next scan', async () => {
    const first = await fx.pim.scanAlerts();
    expect(first.outcome).toBe('scanned');
    const alerts = await rows();
    // Owner, Contributor and Reader do not require MFA (MfaRole does); Owner has 3 of the 9 assignments: over 2, and over 10 %.
    expect(alerts.map((a) => a.key).sort()).toEqual(['no_mfa:Contributor', 'no_mfa:Owner', 'no_mfa:Reader', 'too_many_critical_holders:Owner']);
    expect(alerts.every((a) => a.state === 'open' && /^A-[0-9A-Z]{7}$/.test(a.id))).toBe(true);
    const tooMany = alerts.find((a) => a.rule === 'too_many_critical_holders')!;
    expect(tooMany.facts).toMatchObject({ assignments: 3, total: 9, percent: 33.3, maxHolders: 2, maxPercent: 10, holders: ['alice@example.com', 'carol@example.com', 'glass@example.com'] });
    expect(tooMany.measure).toBe(3);
    expect(await cards()).toHaveLength(4);
    expect((await cards()).every((c) => c.to.kind === 'channel' && c.to.channel === 'security')).toBe(true);
    expect(await fx.audit({ action: 'alert.raised' })).toHaveLength(4);

    const second = await fx.pim.scanAlerts();
    expect(second).toMatchObject({ outcome: 'scanned', raised: [], resolved: [], open: 4 });
    expect(await cards()).toHaveLength(4);
    expect(await rows()).toHaveLength(4);
  });

  it('finds eligible roles unused for the look-back, and resolves one once it is activated, updating its card', async () => {
    fx.clock.set(at(31 * DAY));
    await fx.pim.scanAlerts();
    const unused = await byRule('unused_eligible');
    // Every eligible assignment but the break-glass account's, which is meant to lie unused.
    expect(unused.map((a) => `${a.subject.principalId} ${a.subject.role} ${a.subject.scope}`).sort()).toEqual([
      'alice@example.com Contributor /subscriptions/dev',
      'alice@example.com Contributor /subscriptions/prod',
      'alice@example.com MfaRole /',
      'alice@example.com Owner /subscriptions/prod',
      'alice@example.com Reader /',
      'bob@example.com Contributor /subscriptions/dev',
      'carol@example.com Owner /subscriptions/prod',
    ]);
    // bob's Reader ended after 10 days: nothing to flag.
    await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', durationMs: HOUR, reason: 'deploy' });
    const scan = await fx.pim.scanAlerts();
    const bobs = unused.find((a) => a.subject.principalId === 'bob@example.com')!;
    expect(scan.resolved).toEqual([bobs.id]);
    expect((await fx.store.transaction((u) => u.alerts.get(bobs.id)))?.state).toBe('resolved');
    const up = await updates();
    expect(up.map((r) => r.dedupeKey)).toEqual([`alert-update:${bobs.id}:resolved:slack`]);
    expect(up[0]?.payload).toMatchObject({ notice: { kind: 'security_alert', alert: { id: bobs.id, state: 'resolved' } } });
  });

  it('raises frequent activations at the threshold within the window, and resolves it when they fall out of it', async () => {
    for (let k = 0; k < 3; k++) {
      await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', durationMs: 10 * MIN, reason: `deploy ${k}` });
      await fx.pim.deactivate(fx.actor('bob'), 'Contributor');
      fx.clock.advance(5 * MIN);
      if (k === 1) expect(await byRule('frequent_activations')).toEqual([]);
    }
    await fx.pim.scanAlerts();
    const [frequent] = await byRule('frequent_activations');
    expect(frequent).toMatchObject({ state: 'open', subject: { principalId: 'bob@example.com', role: 'Contributor' }, facts: { activations: 3, threshold: 3 }, since: START });
    fx.clock.advance(HOUR);
    expect((await fx.pim.scanAlerts()).resolved).toContain(frequent!.id);
  });

  it('raises a break-glass account’s active role as critical, and resolves it when the role ends', async () => {
    await fx.pim.assign(erin(), { user: 'glass@example.com', role: 'Contributor', scope: '/subscriptions/prod', type: 'active', durationMs: HOUR, reason: 'incident INC-1' });
    await fx.pim.scanAlerts();
    const [glass] = await byRule('break_glass');
    expect(glass).toMatchObject({ severity: 'critical', state: 'open', subject: { principalId: 'glass@example.com', role: 'Contributor' } });
    fx.clock.advance(2 * HOUR);
    await fx.pim.processDeadlines();
    expect((await fx.pim.scanAlerts()).resolved).toContain(glass!.id);
  });

  it('raises a permanent active assignment the policy does not allow', async () => {
    await fx.store.transaction((u) =>
      u.assignments.insert({ id: 'a-perm', principalId: 'bob@example.com', role: 'Reader', scope: '/', type: 'active', startsAt: START, endsAt: null, requestId: null, createdBy: 'outside', createdAt: START, endedAt: null, endReason: null, warnedAt: null, warned14dAt: null, warned1dAt: null }),
    );
    await fx.pim.scanAlerts();
    expect(await byRule('permanent_active')).toMatchObject([{ key: 'permanent_active:a-perm', severity: 'medium', facts: { assignedBy: 'outside' } }]);
  });
});

describe('dismissal', () => {
  it('is for admins, with a reason; anyone else is refused, audited, and nothing changes', async () => {
    await fx.pim.scanAlerts();
    const [owner] = (await byRule('no_mfa')).filter((a) => a.subject.role === 'Owner');
    await expectPimError(fx.pim.dismissAlert(fx.actor('bob'), owner!.id, 'fine'), 'not_admin');
    await expectPimError(fx.pim.dismissAlert(fx.actor('dave'), owner!.id, 'fine'), 'auditor_read_only');
    await expectPimError(fx.pim.dismissAlert(erin(), owner!.id, '  '), 'reason_required');
    await expectPimError(fx.pim.dismissAlert(erin(), 'A-NOPE000', 'x'), 'unknown_alert');
    expect((await fx.audit({ action: 'refused.alert-dismiss' })).map((e) => e.actor).sort()).toEqual(['bob@example.com', 'dave@example.com', 'erin@example.com', 'erin@example.com']);
    expect((await fx.store.transaction((u) => u.alerts.get(owner!.id)))?.state).toBe('open');

    const view = await fx.pim.dismissAlert(erin(), owner!.id.toLowerCase(), 'MFA for Owner comes with the Q3 rollout');
    expect(view).toMatchObject({ id: owner!.id, state: 'dismissed', dismissedBy: { id: 'erin@example.com', name: 'Erin' }, dismissReason: 'MFA for Owner comes with the Q3 rollout' });
    expect((await updates()).map((r) => r.dedupeKey)).toEqual([`alert-update:${owner!.id}:dismissed:slack`]);
    expect(await fx.audit({ action: 'alert.dismissed' })).toHaveLength(1);
    await expectPimError(fx.pim.dismissAlert(erin(), owner!.id, 'again'), 'alert_closed');
    // Dismissed while the condition holds: the next scan leaves it be, and `alerts` lists it no more.
    await fx.pim.scanAlerts();
    expect((await fx.store.transaction((u) => u.alerts.get(owner!.id)))?.state).toBe('dismissed');
    expect((await fx.pim.alerts(erin())).map((a) => a.id)).not.toContain(owner!.id);
    expect((await fx.pim.alerts(fx.actor('dave'))).length).toBe(3);
    await expectPimError(fx.pim.alerts(fx.actor('bob')), 'not_auditor');
  });

  it('covers the incident while it is no worse; worse is a new incident, and cleared then back is one too', async () => {
    await fx.pim.scanAlerts();
    const [tooMany] = await byRule('too_many_critical_holders');
    await fx.pim.dismissAlert(erin(), tooMany!.id, 'three owners during the migration');
    // A fourth Owner: worse than what was dismissed.
    fx.clock.advance(MIN);
    await fx.pim.assign(erin(), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: 30 * DAY, reason: 'migration' });
    await fx.pim.scanAlerts();
    let all = await byRule('too_many_critical_holders');
    expect(all.map((a) => [a.state, a.measure])).toEqual([
      ['resolved', 3],
      ['open', 4],
    ]);
    const worse = all[1]!;
    await fx.pim.dismissAlert(erin(), worse.id, 'four during the migration');
    // Back to two: cleared, the dismissed alert resolves.
    await fx.pim.remove(erin(), 'bob@example.com', 'Owner', undefined, 'migration done');
    await fx.pim.remove(erin(), 'glass@example.com', 'Owner', undefined, 'kept as Contributor');
    await fx.pim.scanAlerts();
    expect((await fx.store.transaction((u) => u.alerts.get(worse.id)))?.state).toBe('resolved');
    // Three again: a new incident, not covered by the old dismissal.
    await fx.pim.assign(erin(), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: 30 * DAY, reason: 'back' });
    await fx.pim.scanAlerts();
    all = await byRule('too_many_critical_holders');
    expect(all.filter((a) => a.state === 'open')).toHaveLength(1);
    expect(all).toHaveLength(3);
  });
});

describe('rules turned off, failing channels, concurrent scans', () => {
  it('resolves the open alerts of a rule that was turned off', async () => {
    await fx.pim.scanAlerts();
    const off = new PimFixture(fx.database, { yaml: (y) => CONFIG(y).replace('  unusedEligible: { days: 30 }', '  unusedEligible: { days: 30 }\n  noMfa: { enabled: false }') });
    const r = await off.pim.scanAlerts();
    expect(r.resolved).toHaveLength(3);
    expect((await byRule('no_mfa')).every((a) => a.state === 'resolved')).toBe(true);
    expect((await fx.audit({ action: 'alert.resolved' })).map((e) => e.details.why)).toEqual(['rule_disabled', 'rule_disabled', 'rule_disabled']);
  });

  it('tells the admins by DM once when a channel refuses messages for good, and resolves it when one gets through', async () => {
    const item = { id: 7, dedupeKey: 'msg:x', attempts: 1, createdAt: START, payload: { type: 'message' as const, platform: 'slack' as const, to: channel('security'), notice: { kind: 'text' as const, text: 'hello' } } };
    await fx.pim.deliveryFailed(item, 'not_in_channel');
    await fx.pim.deliveryFailed(item, 'not_in_channel');
    const [failing] = await byRule('channel_failing');
    expect(failing).toMatchObject({ severity: 'high', state: 'open', subject: { channel: 'security' }, facts: { error: 'not_in_channel' } });
    expect(await byRule('channel_failing')).toHaveLength(1);
    expect((await cards()).map((c) => c.to)).toEqual([dm('erin')]);
    await fx.pim.channelDelivered('approvals');
    expect((await fx.store.transaction((u) => u.alerts.get(failing!.id)))?.state).toBe('open');
    await fx.pim.channelDelivered('security');
    expect((await fx.store.transaction((u) => u.alerts.get(failing!.id)))?.state).toBe('resolved');
  });

  noteSkippedWithoutPostgres('two scans at the same instant');
  it.runIf(onPostgres)('two scans at the same instant raise each alert once', async () => {
    const results = await Promise.all([fx.pim.scanAlerts(), fx.pim.scanAlerts(), fx.pim.scanAlerts()]);
    expect(results.filter((r) => r.outcome === 'scanned').length).toBeGreaterThanOrEqual(1);
    expect((await rows()).length).toBe(4);
    expect(await cards()).toHaveLength(4);
  });
});

describe('what an alert card leads to', () => {
  it('lists the assignments an alert is about: every holder for too many holders, the one person for an unused role; auditors may look, others are refused', async () => {
    await fx.pim.scanAlerts();
    const [tooMany] = await byRule('too_many_critical_holders');
    const all = await fx.pim.alertItems(erin(), tooMany!.id.toLowerCase());
    expect(all.alert.id).toBe(tooMany!.id);
    expect(all.items.map((i) => `${i.principal.id} ${i.type}`)).toEqual(['alice@example.com eligible', 'carol@example.com eligible', 'glass@example.com eligible']);
    expect((await fx.pim.alertItems(fx.actor('dave'), tooMany!.id)).items).toHaveLength(3);
    await expectPimError(fx.pim.alertItems(fx.actor('bob'), tooMany!.id), 'not_auditor');
    await expectPimError(fx.pim.alertItems(erin(), 'A-NOSUCH1'), 'unknown_alert');

    fx.clock.set(at(31 * DAY));
    await fx.pim.scanAlerts();
    const unused = (await byRule('unused_eligible')).find((a) => a.subject.principalId === 'carol@example.com')!;
    const one = await fx.pim.alertItems(erin(), unused.id);
    expect(one.items.map((i) => `${i.principal.id} ${i.role} ${i.scope}`)).toEqual(['carol@example.com Owner /subscriptions/prod']);
  });

  it('starts a one-time access review of the role from an open alert (admins only): self-review for an unused role, approvers for too many holders', async () => {
    fx.clock.set(at(31 * DAY));
    await fx.pim.scanAlerts();
    const unused = (await byRule('unused_eligible')).find((a) => a.subject.principalId === 'carol@example.com')!;
    await expectPimError(fx.pim.reviewFromAlert(fx.actor('dave'), unused.id), 'auditor_read_only');
    await expectPimError(fx.pim.reviewFromAlert(fx.actor('carol'), unused.id), 'not_admin');
    expect(await fx.audit({ action: 'refused.review-start' })).toHaveLength(2);

    const started = await fx.pim.reviewFromAlert(erin(), unused.id);
    expect(started.review).toMatchObject({ role: 'Owner', scope: '/subscriptions/prod', reviewers: { kind: 'self' }, state: 'open' });
    expect(started.review.name).toContain(`alert ${unused.id}`);
    // Every holder of Owner at prod reviews their own (the break-glass account has no chat, so the admins do).
    expect(started.items.map((i) => i.principalId).sort()).toEqual(['alice@example.com', 'carol@example.com', 'glass@example.com']);
    expect(started.items.find((i) => i.principalId === 'carol@example.com')?.reviewers).toEqual(['carol@example.com']);
    expect(await fx.audit({ action: 'review.started' })).toHaveLength(1);

    const [tooMany] = await byRule('too_many_critical_holders');
    const second = await fx.pim.reviewFromAlert(erin(), tooMany!.id);
    expect(second.review.reviewers).toEqual({ kind: 'approvers' });

    const [noMfa] = await byRule('no_mfa');
    await expectPimError(fx.pim.reviewFromAlert(erin(), noMfa!.id), 'invalid_input');
    await fx.pim.dismissAlert(erin(), unused.id, 'reviewed by hand');
    await expectPimError(fx.pim.reviewFromAlert(erin(), unused.id), 'alert_closed');
  });
});
