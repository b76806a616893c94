/** Admin assignment and removal within the policy's expiry limits, and the one-time bootstrap. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { DAY, DEV, dm, expectPimError, PimFixture, PROD, START } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

describe('assign', () => {
  it('by an admin makes a time-bound eligible assignment and tells the user', async () => {
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'owner', type: 'eligible', durationMs: 30 * DAY, reason: 'joins on-call' });
    expect(a).toMatchObject({ principalId: 'bob@example.com', role: 'Owner', scope: PROD, type: 'eligible', createdBy: 'erin@example.com', requestId: null });
    expect(a.endsAt).toEqual(at(30 * DAY));
    expect(await fx.messages({ to: dm('bob'), kind: 'assignment_changed' })).toHaveLength(1);
    expect((await fx.audit({ action: 'assignment.created' })).at(-1)?.details).toMatchObject({ principal: 'bob@example.com', type: 'eligible', reason: 'joins on-call' });
  });

  it('makes the user eligible to activate', async () => {
    await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: 30 * DAY, reason: 'on call' });
    expect((await fx.pim.activate(fx.actor('bob'), { role: 'Owner', reason: 'r', ticket: 'INC-5' })).outcome).toBe('pending_approval');
  });

  it('allows a permanent eligible assignment by default', async () => {
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', reason: 'on call' });
    expect(a.endsAt).toBeNull();
  });

  it('refuses a permanent active assignment by default', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Reader', type: 'active', reason: 'on call' }), 'expiry_required');
    expect(await fx.assignments({ principalId: 'bob@example.com', type: 'active' })).toEqual([]);
  });

  it('refuses an active assignment longer than the active limit (180d)', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Reader', type: 'active', durationMs: 181 * DAY, reason: 'on call' }), 'expiry_too_long');
  });

  it('refuses an eligible assignment longer than the eligible limit (365d)', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', until: at(366 * DAY), reason: 'on call' }), 'expiry_too_long');
  });

  it('accepts a time-bound active assignment within the limit', async () => {
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Reader', type: 'active', durationMs: 7 * DAY, reason: 'on call' });
    expect(a).toMatchObject({ type: 'active', endsAt: at(7 * DAY) });
  });

  it('needs a scope for a role with several', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'carol@example.com', role: 'Contributor', type: 'eligible', reason: 'on call' }), 'scope_required');
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'carol@example.com', role: 'Contributor', scope: DEV, type: 'eligible', reason: 'on call' });
    expect(a.scope).toBe(DEV);
  });

  it('refuses a second assignment of the same kind', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'alice@example.com', role: 'Owner', type: 'eligible', reason: 'on call' }), 'already_assigned');
  });

  it('by a non-admin is refused and audited, nothing is assigned', async () => {
    const before = await fx.assignments();
    await expectPimError(fx.pim.assign(fx.actor('carol'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: DAY, reason: 'on call' }), 'not_admin');
    expect(await fx.assignments()).toEqual(before);
    const refused = await fx.audit({ action: 'refused.assign' });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: 'carol@example.com', details: { code: 'not_admin', user: 'bob@example.com' } });
  });

  it('of an unknown user is refused with no_such_user (about whom was typed, not the admin)', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'mallory@example.com', role: 'Owner', type: 'eligible', reason: 'on call' }), 'no_such_user');
  });
});

describe('remove', () => {
  it('by an admin ends the assignment as removed and tells the user', async () => {
    const ended = await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Contributor', DEV, 'left the team');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ principalId: 'bob@example.com', endReason: 'removed', endedAt: START });
    const told = await fx.messages({ to: dm('bob'), kind: 'assignment_changed' });
    expect(told[0]?.notice).toMatchObject({ change: 'removed', by: { id: 'erin@example.com', name: 'Erin' } });
    await expectPimError(fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'r' }), 'not_eligible');
  });

  it('also ends a running activation of the role, as revoked', async () => {
    const res = await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'fix' });
    const ended = await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Contributor', undefined, 'left the team');
    expect(ended.map((a) => a.type).sort()).toEqual(['active', 'eligible']);
    expect((await fx.request(res.request.id)).state).toBe('revoked');
  });

  it('of nothing is refused with not_assigned', async () => {
    await expectPimError(fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Owner', undefined, 'left the team'), 'not_assigned');
  });

  it('by a non-admin is refused and audited', async () => {
    await expectPimError(fx.pim.remove(fx.actor('alice'), 'bob@example.com', 'Contributor'), 'not_admin');
    expect(await fx.assignments({ principalId: 'bob@example.com', role: 'Contributor' })).toMatchObject([{ endedAt: null }]);
    expect((await fx.audit({ action: 'refused.remove' }))[0]?.details.code).toBe('not_admin');
  });
});

describe('bootstrap', () => {
  it('applies the configured assignments to an empty database', async () => {
    await fx.reset(false);
    const items = fx.configBootstrap();
    expect(await fx.pim.bootstrap(items)).toBe(items.length);
    const all = await fx.assignments();
    expect(all).toHaveLength(items.length);
    expect(all.every((a) => a.type === 'eligible' && a.createdBy === 'bootstrap')).toBe(true);
    // Contributor without a scope in the config covers both scopes.
    expect(all.filter((a) => a.principalId === 'alice@example.com' && a.role === 'Contributor').map((a) => a.scope).sort()).toEqual([DEV, PROD]);
    expect(all.find((a) => a.principalId === 'bob@example.com' && a.role === 'Reader')?.endsAt).toEqual(at(10 * DAY));
    expect(await fx.audit({ action: 'assignment.created' })).toHaveLength(items.length);
  });

  it('applies once: a second run does nothing', async () => {
    await fx.reset(false);
    await fx.pim.bootstrap(fx.configBootstrap());
    const before = await fx.assignments();
    expect(await fx.pim.bootstrap(fx.configBootstrap())).toBe(0);
    expect(await fx.assignments()).toEqual(before);
  });

  it('does nothing to a database that already has assignments, even ended ones', async () => {
    await fx.reset(false);
    await fx.pim.bootstrap([{ principal: 'bob@example.com', role: 'Reader', type: 'eligible', endsAt: null }]);
    await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Reader', undefined, 'left the team');
    expect(await fx.pim.bootstrap(fx.configBootstrap())).toBe(0);
    expect(await fx.assignments()).toHaveLength(1);
  });
});

describe('the reason an admin gives', () => {
  it('is required to assign: refused, audited, nothing assigned, nobody told', async () => {
    const before = await fx.assignments();
    const e = await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: DAY }), 'reason_required');
    expect(e.message).toBe('assign needs a reason: add --reason "why", e.g. --reason "joined the on-call rota". Bob is told it, and it is kept in the audit trail.');
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', reason: '   ' }), 'reason_required');
    expect(await fx.assignments()).toEqual(before);
    expect(await fx.messages({ kind: 'assignment_changed' })).toEqual([]);
    expect((await fx.audit({ action: 'refused.assign' })).map((r) => r.details.code)).toEqual(['reason_required', 'reason_required']);
  });

  it('is told to the assigned user in their DM and kept in the audit trail', async () => {
    await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: DAY, reason: ' joins the on-call rota ' });
    const [told] = await fx.messages({ to: dm('bob'), kind: 'assignment_changed' });
    expect(told?.notice).toMatchObject({ change: 'assigned', by: { id: 'erin@example.com', name: 'Erin' }, reason: 'joins the on-call rota' });
    expect((await fx.audit({ action: 'assignment.created' })).at(-1)?.details.reason).toBe('joins the on-call rota');
  });

  it('is required to remove: refused, audited, the assignment stays', async () => {
    const e = await expectPimError(fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Contributor'), 'reason_required');
    expect(e.message).toContain('remove needs a reason');
    expect(await fx.assignments({ principalId: 'bob@example.com', role: 'Contributor' })).toMatchObject([{ endedAt: null }]);
    expect((await fx.audit({ action: 'refused.remove' }))[0]?.details.code).toBe('reason_required');
    expect(await fx.messages({ to: dm('bob') })).toEqual([]);
  });

  it('is told to the user whose assignment and running activation are removed', async () => {
    await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'fix' });
    await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Contributor', undefined, 'left the team');
    const [eligible] = await fx.messages({ to: dm('bob'), kind: 'assignment_changed' });
    expect(eligible?.notice).toMatchObject({ change: 'removed', by: { name: 'Erin' }, reason: 'left the team' });
    const [activation] = await fx.messages({ to: dm('bob'), kind: 'activation_ended' });
    expect(activation?.notice).toMatchObject({ reason: 'revoked', removedBy: { name: 'Erin' }, removalReason: 'left the team' });
    expect((await fx.audit({ action: 'assignment.removed' }))[0]?.details.reason).toBe('left the team');
    expect((await fx.audit({ action: 'activation.removed' }))[0]?.details.reason).toBe('left the team');
  });

  it('over 500 characters is refused, never truncated', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', reason: 'x'.repeat(501) }), 'reason_too_long');
  });
});

describe('auditors', () => {
  it('read the audit trail, filtered like an admin’s', async () => {
    await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'fix' });
    const events = await fx.pim.auditLog(fx.actor('dave'), { user: 'bob@example.com' });
    expect(events.map((e) => e.action)).toContain('activation.started');
    expect(events.every((e) => e.details.principal === 'bob@example.com')).toBe(true);
    expect(fx.pim.isAuditor(fx.actor('dave'))).toBe(true);
    expect(fx.pim.isAdmin(fx.actor('dave'))).toBe(false);
  });

  it('read alerts (the check only: alerts are not built yet)', async () => {
    await expect(fx.pim.authorize(fx.actor('dave'), 'alerts')).resolves.toBeUndefined();
    await expectPimError(fx.pim.authorize(fx.actor('alice'), 'alerts'), 'not_auditor');
  });

  it('are refused assign, remove and review start with a sentence that says so, each audited', async () => {
    const before = await fx.assignments();
    const e = await expectPimError(fx.pim.assign(fx.actor('dave'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', reason: 'audit' }), 'auditor_read_only');
    expect(e.message).toBe('As an auditor you can read the audit trail (`audit`, `audit --csv`) and alerts, but not change access. Ask a PIM admin to do that.');
    await expectPimError(fx.pim.remove(fx.actor('dave'), 'bob@example.com', 'Contributor', undefined, 'audit'), 'auditor_read_only');
    await expectPimError(fx.pim.authorize(fx.actor('dave'), 'review-start'), 'auditor_read_only');
    expect(await fx.assignments()).toEqual(before);
    const refused = (await fx.audit()).filter((r) => r.action.startsWith('refused.'));
    expect(refused.map((r) => [r.action, r.actor, r.details.code])).toEqual([
      ['refused.assign', 'dave@example.com', 'auditor_read_only'],
      ['refused.remove', 'dave@example.com', 'auditor_read_only'],
      ['refused.review-start', 'dave@example.com', 'auditor_read_only'],
    ]);
  });

  it('cannot decide requests or cancel someone else’s', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', reason: 'incident', ticket: 'INC-1' });
    await expectPimError(fx.pim.approve(fx.actor('dave'), res.request.id), 'not_approver');
    await expectPimError(fx.pim.cancel(fx.actor('dave'), res.request.id), 'not_requester');
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
  });

  it('are the only non-admins who read the audit trail; anyone else is refused, audited', async () => {
    await expectPimError(fx.pim.auditLog(fx.actor('alice'), {}), 'not_auditor');
    expect((await fx.audit({ action: 'refused.audit' }))[0]).toMatchObject({ actor: 'alice@example.com', details: { code: 'not_auditor' } });
  });
});
