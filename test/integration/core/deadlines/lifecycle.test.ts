/**
 * After activation: expiry and its warning by the deadline loop, early deactivation, extension,
 * and renewal of an eligible assignment that is about to end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Assignment } from '../../../../src/core/index.js';
import { testDatabase } from '../../../support/db.js';
import { channel, DAY, DEV, dm, expectPimError, HOUR, MIN, PimFixture, PROD, START } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

/** alice activates Contributor at prod for `durationMs` (default 1h). */
async function activateContributor(durationMs = HOUR): Promise<Assignment> {
  const res = await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs, reason: 'deploy' });
  if (res.outcome !== 'active') throw new Error(`expected active, got ${res.outcome}`);
  return res.assignment;
}

describe('expiry', () => {
  it('nothing ends before the end time', async () => {
    const a = await activateContributor();
    fx.clock.set(at(HOUR - 1));
    expect((await fx.pim.processDeadlines()).expired).toBe(0);
    expect((await fx.assignment(a.id)).endedAt).toBeNull();
  });

  it('past the end, the assignment ends as expired at its end time and the request is expired', async () => {
    const a = await activateContributor();
    fx.clock.set(at(HOUR + 5 * MIN));
    expect((await fx.pim.processDeadlines()).expired).toBe(1);
    const ended = await fx.assignment(a.id);
    expect(ended.endReason).toBe('expired');
    expect(ended.endedAt).toEqual(at(HOUR));
    expect((await fx.request(a.requestId as string)).state).toBe('expired');
    expect(await fx.pim.myRoles(fx.actor('alice'))).not.toContainEqual(expect.objectContaining({ active: expect.objectContaining({ id: a.id }) }));
    expect(await fx.audit({ action: 'activation.expired' })).toHaveLength(1);
  });

  it('tells the holder once, however often the deadline loop runs', async () => {
    await activateContributor();
    fx.clock.set(at(HOUR));
    await fx.pim.processDeadlines();
    expect((await fx.pim.processDeadlines()).expired).toBe(0);
    fx.clock.advance(HOUR);
    await fx.pim.processDeadlines();
    const told = await fx.messages({ to: dm('alice'), kind: 'activation_ended' });
    expect(told).toHaveLength(1);
    expect(told[0]?.notice).toMatchObject({ kind: 'activation_ended', reason: 'expired' });
    expect(await fx.audit({ action: 'activation.expired' })).toHaveLength(1);
  });

  it('in one batch, tells each holder whether they are still eligible (directly, through a group, or not) and marks the request message ended', async () => {
    await fx.reset([
      { principal: 'alice@example.com', role: 'Contributor', scope: PROD, type: 'eligible', endsAt: null },
      { principal: 'group:sre-leads', role: 'Contributor', scope: DEV, type: 'eligible', endsAt: null },
      { principal: 'erin@example.com', role: 'Contributor', scope: DEV, type: 'active', endsAt: at(HOUR) },
      { principal: 'bob@example.com', role: 'Reader', scope: '/', type: 'active', endsAt: at(HOUR) },
    ]);
    const a = await activateContributor();
    fx.clock.set(at(HOUR));
    expect((await fx.pim.processDeadlines()).expired).toBe(3);
    const told = async (user: string) => (await fx.messages({ to: dm(user), kind: 'activation_ended' })).map((m) => m.notice);
    expect(await told('alice')).toEqual([expect.objectContaining({ personal: true, stillEligible: true })]);
    expect(await told('erin')).toEqual([expect.objectContaining({ personal: true, stillEligible: true })]);
    const bob = await told('bob');
    expect(bob).toHaveLength(1);
    expect(bob[0]).not.toHaveProperty('stillEligible');
    const updates = (await fx.outbox()).flatMap((r) => (r.payload.type === 'update' && r.payload.subject === `pending:${a.requestId}` ? [r.payload.notice] : []));
    expect(updates.length).toBeGreaterThan(0);
    for (const n of updates) expect(n).toMatchObject({ kind: 'request_pending', request: { id: a.requestId, state: 'expired' } });
  });

  it('lets the role be activated again afterwards', async () => {
    await activateContributor();
    fx.clock.set(at(HOUR));
    await fx.pim.processDeadlines();
    expect((await activateContributor()).endsAt).toEqual(at(2 * HOUR));
  });

  it('the next deadline is the warning warnBefore (10m) the end, then the end of the activation', async () => {
    await fx.reset([{ principal: 'alice@example.com', role: 'Contributor', scope: PROD, type: 'eligible', endsAt: null }]);
    await activateContributor(2 * HOUR);
    expect(await fx.pim.nextDeadline()).toEqual(at(2 * HOUR - 10 * MIN));
    fx.clock.set(at(2 * HOUR - 10 * MIN));
    await fx.pim.processDeadlines();
    expect(await fx.pim.nextDeadline()).toEqual(at(2 * HOUR));
  });
});

describe('expiry warning', () => {
  it('is not sent before warnBefore (10m) the end', async () => {
    await activateContributor();
    fx.clock.set(at(HOUR - 10 * MIN - 1));
    expect((await fx.pim.processDeadlines()).warned).toBe(0);
    expect(await fx.messages({ kind: 'expiry_warning' })).toEqual([]);
  });

  it('is sent to the holder once warnBefore the end is reached', async () => {
    const a = await activateContributor();
    fx.clock.set(at(HOUR - 10 * MIN));
    expect((await fx.pim.processDeadlines()).warned).toBe(1);
    const warned = await fx.messages({ to: dm('alice'), kind: 'expiry_warning' });
    expect(warned).toHaveLength(1);
    expect(warned[0]?.notice).toMatchObject({ assignment: { id: a.id, endsAt: at(HOUR).toISOString() } });
    expect((await fx.assignment(a.id)).warnedAt).toEqual(at(HOUR - 10 * MIN));
  });

  it('is sent only once', async () => {
    await activateContributor();
    fx.clock.set(at(HOUR - 10 * MIN));
    await fx.pim.processDeadlines();
    fx.clock.advance(5 * MIN);
    expect((await fx.pim.processDeadlines()).warned).toBe(0);
    expect(await fx.messages({ kind: 'expiry_warning' })).toHaveLength(1);
  });

  it('is sent again before the new end after an extension', async () => {
    await activateContributor();
    fx.clock.set(at(HOUR - 10 * MIN));
    await fx.pim.processDeadlines();
    await fx.pim.extend(fx.actor('alice'), { role: 'Contributor', durationMs: HOUR, reason: 'more time' });
    fx.clock.set(at(2 * HOUR - 5 * MIN));
    expect((await fx.pim.processDeadlines()).warned).toBe(1);
    expect(await fx.messages({ kind: 'expiry_warning' })).toHaveLength(2);
  });
});

describe('deactivate', () => {
  it('ends the activation early; from chat, its answer tells the holder (no DM)', async () => {
    const a = await activateContributor();
    fx.clock.advance(20 * MIN);
    const ended = await fx.pim.deactivate(fx.actor('alice'), 'contributor');
    expect(ended).toMatchObject({ id: a.id, endReason: 'deactivated' });
    expect(ended.endedAt).toEqual(at(20 * MIN));
    expect((await fx.request(a.requestId as string)).state).toBe('deactivated');
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_ended' })).toHaveLength(0);
    expect(await fx.audit({ action: 'activation.deactivated' })).toHaveLength(1);
  });

  it('leaves nothing for the deadline loop to expire', async () => {
    await activateContributor();
    await fx.pim.deactivate(fx.pim.actorFor('alice@example.com', 'cli'), 'Contributor');
    fx.clock.set(at(2 * HOUR));
    expect((await fx.pim.processDeadlines()).expired).toBe(0);
    expect(await fx.messages({ kind: 'activation_ended' })).toHaveLength(1);
  });

  it('is refused when the role is not active', async () => {
    await expectPimError(fx.pim.deactivate(fx.actor('alice'), 'Contributor'), 'not_active');
  });

  it('is refused after the activation expired', async () => {
    await activateContributor();
    fx.clock.set(at(HOUR));
    await fx.pim.processDeadlines();
    await expectPimError(fx.pim.deactivate(fx.actor('alice'), 'Contributor'), 'not_active');
  });
});

describe('extend', () => {
  it('within the maximum moves the end at once (no approval in the policy)', async () => {
    const a = await activateContributor();
    fx.clock.advance(30 * MIN);
    const res = await fx.pim.extend(fx.actor('alice'), { role: 'Contributor', durationMs: 2 * HOUR, reason: 'long deploy' });
    expect(res.outcome).toBe('extended');
    expect(res.outcome === 'extended' && res.assignment.endsAt).toEqual(at(3 * HOUR));
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(3 * HOUR));
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_extended' })).toHaveLength(0); // the answer says it
    expect(await fx.audit({ action: 'activation.extended' })).toHaveLength(1);
  });

  it('up to exactly the maximum counted from the activation’s start', async () => {
    await activateContributor();
    fx.clock.advance(30 * MIN);
    // started at START for 1h, +7h = 8h in all: exactly the maximum
    expect((await fx.pim.extend(fx.actor('alice'), { role: 'Contributor', durationMs: 7 * HOUR, reason: 'long deploy' })).outcome).toBe('extended');
  });

  it('beyond the maximum counted from the activation’s start is refused, saying how much more is allowed, and changes nothing', async () => {
    const a = await activateContributor();
    fx.clock.advance(30 * MIN);
    // 1h + 7h30m = 8h30m in all, though only 8h from now
    const e = await expectPimError(fx.pim.extend(fx.actor('alice'), { role: 'Contributor', durationMs: 7 * HOUR + 30 * MIN, reason: 'long deploy' }), 'extension_too_long');
    expect(e.message).toContain('at most 7h more');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(HOUR));
    expect((await fx.audit({ action: 'refused.extend' }))[0]?.details.code).toBe('extension_too_long');
  });

  it('with approval in the policy asks the approvers, and approval moves the end', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-1' });
    await fx.pim.approve(fx.actor('carol'), res.request.id);
    const a = (await fx.activeAssignments('alice@example.com'))[0] as Assignment;
    fx.clock.advance(10 * MIN);
    const ext = await fx.pim.extend(fx.actor('alice'), { role: 'Owner', durationMs: 20 * MIN, reason: 'still fixing', ticket: 'INC-1' });
    expect(ext.outcome).toBe('pending_approval');
    if (ext.outcome !== 'pending_approval') return;
    expect(ext.request.kind).toBe('extend');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(30 * MIN));
    const done = await fx.pim.approve(fx.actor('erin'), ext.request.id);
    expect(done.state).toBe('completed');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(50 * MIN));
  });

  it('of a role that is neither active nor eligible is refused with not_active', async () => {
    await expectPimError(fx.pim.extend(fx.actor('bob'), { role: 'Owner', durationMs: HOUR }), 'not_active');
  });
});

describe('renew an eligible assignment', () => {
  /** bob's Reader eligibility ends 10 days after START. */
  const bobReaderEnd = at(10 * DAY);

  it('ending within 14 days: asks the PIM admins', async () => {
    const res = await fx.pim.extend(fx.actor('bob'), { role: 'Reader', durationMs: 90 * DAY, reason: 'still on the team' });
    expect(res.outcome).toBe('pending_approval');
    if (res.outcome !== 'pending_approval') return;
    expect(res.request).toMatchObject({ kind: 'renew', state: 'pending_approval', durationMs: 90 * DAY });
    expect(res.approvers).toEqual(['erin@example.com']);
    expect(await fx.messages({ to: channel('approvals'), kind: 'approval_request' })).toHaveLength(1);
  });

  it('approved by an admin, moves the end of the eligible assignment', async () => {
    const res = await fx.pim.extend(fx.actor('bob'), { role: 'Reader', durationMs: 90 * DAY, reason: 'still on the team' });
    const done = await fx.pim.approve(fx.actor('erin'), res.outcome === 'pending_approval' ? res.request.id : '');
    expect(done.state).toBe('completed');
    const eligible = (await fx.assignments({ principalId: 'bob@example.com', role: 'Reader', type: 'eligible' }))[0] as Assignment;
    expect(eligible.endsAt).toEqual(new Date(bobReaderEnd.getTime() + 90 * DAY));
    const decided = (await fx.messages({ to: dm('bob'), kind: 'request_decided' }))[0]?.notice;
    expect(decided?.kind === 'request_decided' && decided.request.endsAt).toBe(new Date(bobReaderEnd.getTime() + 90 * DAY).toISOString());
    expect(await fx.audit({ action: 'assignment.renewed' })).toHaveLength(1);
  });

  it('cannot be approved by a role approver who is not an admin', async () => {
    const res = await fx.pim.extend(fx.actor('bob'), { role: 'Reader', durationMs: 90 * DAY, reason: 'still on the team' });
    await expectPimError(fx.pim.approve(fx.actor('carol'), res.outcome === 'pending_approval' ? res.request.id : ''), 'not_approver');
  });

  it('needs a reason', async () => {
    await expectPimError(fx.pim.extend(fx.actor('bob'), { role: 'Reader', durationMs: 90 * DAY }), 'reason_required');
  });

  it('is refused more than 14 days before the end', async () => {
    // alice's Reader eligibility ends 90 days after START.
    const e = await expectPimError(fx.pim.extend(fx.actor('alice'), { role: 'Reader', durationMs: 90 * DAY, reason: 'keep it' }), 'renew_too_early');
    expect(e.details.until).toBe(at(90 * DAY).toISOString());
  });

  it('is allowed once the end is within 14 days', async () => {
    fx.clock.set(at(76 * DAY));
    expect((await fx.pim.extend(fx.actor('alice'), { role: 'Reader', durationMs: 90 * DAY, reason: 'keep it' })).outcome).toBe('pending_approval');
  });
});
