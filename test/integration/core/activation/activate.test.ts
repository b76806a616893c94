/**
 * Activation through the real Pim on the test database: at once, refused, duplicated, scheduled.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { channel, DEV, dm, expectPimError, HOUR, MIN, PimFixture, PROD, START } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

describe('activation without approval', () => {
  it('makes an active assignment that ends after the asked duration', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: 2 * HOUR, reason: 'deploy' });
    expect(res.outcome).toBe('active');
    if (res.outcome !== 'active') return;
    expect(res.request).toMatchObject({ state: 'active', kind: 'activate', role: 'Contributor', scope: PROD, durationMs: 2 * HOUR, reason: 'deploy', assignmentId: res.assignment.id });
    expect(res.assignment).toMatchObject({ principalId: 'alice@example.com', role: 'Contributor', scope: PROD, type: 'active', requestId: res.request.id, endedAt: null });
    expect(res.assignment.startsAt).toEqual(START);
    expect(res.assignment.endsAt).toEqual(at(2 * HOUR));
    const stored = await fx.assignment(res.assignment.id);
    expect(stored.endsAt).toEqual(at(2 * HOUR));
    expect((await fx.request(res.request.id)).state).toBe('active');
  });

  it('writes request.created and activation.started to the audit trail', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    const rows = await fx.audit({ subject: `request:${res.request.id}` });
    expect(rows.map((e) => e.action)).toEqual(['request.created', 'activation.started']);
    expect(rows[0]).toMatchObject({ actor: 'alice@example.com', details: { principal: 'alice@example.com', role: 'Contributor', scope: PROD, reason: 'deploy', durationMs: HOUR } });
    expect(rows[1]?.details).toMatchObject({ endsAt: at(HOUR).toISOString() });
  });

  it('from chat, queues only the notice to the security channel: the answer is the holder’s message', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    const rows = await fx.messages();
    expect(rows.map((r) => r.to)).toEqual([channel('security')]);
  });

  it('from the CLI, queues a DM to the holder (speaking to them) and a notice to the security channel, nothing else', async () => {
    const res = await fx.pim.activate(fx.pim.actorFor('alice@example.com', 'cli'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    const rows = await fx.messages();
    expect(rows).toHaveLength(2);
    const toAlice = await fx.messages({ to: dm('alice'), kind: 'activation_started' });
    const toSecurity = await fx.messages({ to: channel('security'), kind: 'activation_started' });
    expect(toAlice).toHaveLength(1);
    expect(toSecurity).toHaveLength(1);
    const notice = toAlice[0]?.notice;
    expect(notice?.kind === 'activation_started' && notice.request.id).toBe(res.request.id);
    expect(notice?.kind === 'activation_started' && notice.request.endsAt).toBe(at(HOUR).toISOString());
    expect(notice?.kind === 'activation_started' && notice.personal).toBe(true);
    const channelCopy = toSecurity[0]?.notice;
    expect(channelCopy?.kind === 'activation_started' && channelCopy.personal).toBeFalsy();
  });

  it('gives the default duration (policy maximum, capped at 1h) when none is asked', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'contributor', scope: PROD, reason: 'deploy' });
    expect(res.outcome === 'active' && res.assignment.endsAt).toEqual(at(HOUR));
  });

  it('matches the role name case-insensitively and stores the configured spelling', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'rEaDeR' });
    expect(res.request.role).toBe('Reader');
  });

  it('is allowed through a group\'s eligible assignment', async () => {
    await fx.reset([{ principal: 'group:sre-leads', role: 'Reader', type: 'eligible', endsAt: null }]);
    const res = await fx.pim.activate(fx.actor('erin'), { role: 'Reader' });
    expect(res.outcome === 'active' && res.assignment.principalId).toBe('erin@example.com');
    await expectPimError(fx.pim.activate(fx.actor('bob'), { role: 'Reader' }), 'not_eligible');
  });

  it('picks the only eligible scope when none is given', async () => {
    const res = await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'fix dev' });
    expect(res.request.scope).toBe(DEV);
  });
});

describe('activation refused', () => {
  it('for a role the user is not eligible for, audited', async () => {
    await expectPimError(fx.pim.activate(fx.actor('bob'), { role: 'Owner', reason: 'r', ticket: 'INC-1' }), 'not_eligible');
    const refused = await fx.audit({ action: 'refused.activate' });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: 'bob@example.com', details: { code: 'not_eligible', role: 'Owner' } });
    expect(await fx.outbox()).toEqual([]);
  });

  it('at a scope the user is not eligible for', async () => {
    await expectPimError(fx.pim.activate(fx.actor('bob'), { role: 'Contributor', scope: PROD, reason: 'r' }), 'not_eligible');
  });

  it('once the eligible assignment has ended', async () => {
    // bob's Reader eligibility ends 10 days after START.
    fx.clock.set(at(10 * 24 * HOUR));
    await expectPimError(fx.pim.activate(fx.actor('bob'), { role: 'Reader' }), 'not_eligible');
  });

  it('for an unknown role, not audited (a typo)', async () => {
    await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Janitor' }), 'unknown_role');
    expect(await fx.audit({ action: 'refused.activate' })).toEqual([]);
  });

  it('without a scope when eligible at several', async () => {
    const e = await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Contributor', reason: 'r' }), 'scope_required');
    expect(String(e.details.scopes)).toContain(DEV);
  });

  it('when the role is already active', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    fx.clock.advance(10 * MIN);
    const e = await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'again' }), 'already_active');
    expect(e.details.until).toBe(at(HOUR).toISOString());
    expect(await fx.activeAssignments('alice@example.com')).toHaveLength(1);
  });

  it('while the same activation is already pending', async () => {
    const first = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-1' });
    const e = await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-1' }), 'invalid_input');
    expect(e.message).toContain(first.request.id);
    expect(await fx.pim.myRequests(fx.actor('alice'))).toHaveLength(1);
  });

  it('when the ticket does not match the pattern, audited', async () => {
    await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'r', ticket: 'CHG-1' }), 'ticket_invalid');
    expect((await fx.audit({ action: 'refused.activate' }))[0]?.details.code).toBe('ticket_invalid');
    expect(await fx.pim.myRequests(fx.actor('alice'))).toEqual([]);
  });

  it('when longer than the policy maximum', async () => {
    await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 2 * HOUR, reason: 'r', ticket: 'INC-1' }), 'duration_too_long');
  });

  it('when the reason is over 500 characters, not truncated', async () => {
    await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, reason: 'x'.repeat(501) }), 'reason_too_long');
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
  });
});

describe('scheduled start', () => {
  it('is scheduled, not active, until its start', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'window', startAt: at(2 * HOUR) });
    expect(res.outcome).toBe('scheduled');
    expect(res.request.state).toBe('scheduled');
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
    expect(await fx.pim.nextDeadline()).toEqual(at(2 * HOUR));

    fx.clock.advance(HOUR);
    expect((await fx.pim.processDeadlines()).started).toBe(0);
    expect((await fx.request(res.request.id)).state).toBe('scheduled');
  });

  it('becomes active once the clock passes its start, ending a duration later', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'window', startAt: at(2 * HOUR) });
    fx.clock.set(at(2 * HOUR));
    expect((await fx.pim.processDeadlines()).started).toBe(1);
    const r = await fx.request(res.request.id);
    expect(r.state).toBe('active');
    const a = await fx.assignment(r.assignmentId as string);
    expect(a.startsAt).toEqual(at(2 * HOUR));
    expect(a.endsAt).toEqual(at(3 * HOUR));
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_started' })).toHaveLength(1);
    expect((await fx.pim.processDeadlines()).started).toBe(0);
  });

  it('with approval: approved before its start, it waits scheduled, then starts', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'change window', ticket: 'INC-9', startAt: at(3 * HOUR) });
    expect(res.outcome).toBe('pending_approval');
    fx.clock.advance(MIN);
    expect((await fx.pim.approve(fx.actor('carol'), res.request.id)).state).toBe('scheduled');
    fx.clock.set(at(3 * HOUR));
    await fx.pim.processDeadlines();
    expect((await fx.request(res.request.id)).state).toBe('active');
  });

  it('refuses a start in the past', async () => {
    await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Reader', startAt: at(-HOUR) }), 'start_in_past');
  });

  it('refuses a start more than 30 days ahead', async () => {
    await expectPimError(fx.pim.activate(fx.actor('alice'), { role: 'Reader', startAt: at(31 * 24 * HOUR) }), 'start_too_far');
  });

  it('can be canceled before it starts', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Reader', startAt: at(HOUR) });
    expect((await fx.pim.cancel(fx.actor('alice'), res.request.id)).state).toBe('canceled');
    fx.clock.set(at(HOUR));
    expect((await fx.pim.processDeadlines()).started).toBe(0);
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
  });
});
