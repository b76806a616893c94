/** Admin assignment and removal within the policy's expiry limits, and the one-time bootstrap. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../support/db.js';
import { DAY, DEV, dm, expectPimError, PimFixture, PROD, START } from '../../support/pim.js';

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
    await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: 30 * DAY });
    expect((await fx.pim.activate(fx.actor('bob'), { role: 'Owner', reason: 'r', ticket: 'INC-5' })).outcome).toBe('pending_approval');
  });

  it('allows a permanent eligible assignment by default', async () => {
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible' });
    expect(a.endsAt).toBeNull();
  });

  it('refuses a permanent active assignment by default', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Reader', type: 'active' }), 'expiry_required');
    expect(await fx.assignments({ principalId: 'bob@example.com', type: 'active' })).toEqual([]);
  });

  it('refuses an active assignment longer than the active limit (180d)', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Reader', type: 'active', durationMs: 181 * DAY }), 'expiry_too_long');
  });

  it('refuses an eligible assignment longer than the eligible limit (365d)', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', until: at(366 * DAY) }), 'expiry_too_long');
  });

  it('accepts a time-bound active assignment within the limit', async () => {
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Reader', type: 'active', durationMs: 7 * DAY });
    expect(a).toMatchObject({ type: 'active', endsAt: at(7 * DAY) });
  });

  it('needs a scope for a role with several', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'carol@example.com', role: 'Contributor', type: 'eligible' }), 'scope_required');
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'carol@example.com', role: 'Contributor', scope: DEV, type: 'eligible' });
    expect(a.scope).toBe(DEV);
  });

  it('refuses a second assignment of the same kind', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'alice@example.com', role: 'Owner', type: 'eligible' }), 'already_assigned');
  });

  it('by a non-admin is refused and audited, nothing is assigned', async () => {
    const before = await fx.assignments();
    await expectPimError(fx.pim.assign(fx.actor('carol'), { user: 'bob@example.com', role: 'Owner', type: 'eligible', durationMs: DAY }), 'not_admin');
    expect(await fx.assignments()).toEqual(before);
    const refused = await fx.audit({ action: 'refused.assign' });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: 'carol@example.com', details: { code: 'not_admin', user: 'bob@example.com' } });
  });

  it('of an unknown user is refused with unknown_user', async () => {
    await expectPimError(fx.pim.assign(fx.actor('erin'), { user: 'mallory@example.com', role: 'Owner', type: 'eligible' }), 'unknown_user');
  });
});

describe('remove', () => {
  it('by an admin ends the assignment as removed and tells the user', async () => {
    const ended = await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Contributor', DEV);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ principalId: 'bob@example.com', endReason: 'removed', endedAt: START });
    const told = await fx.messages({ to: dm('bob'), kind: 'assignment_changed' });
    expect(told[0]?.notice).toMatchObject({ change: 'removed', by: { id: 'erin@example.com', name: 'Erin' } });
    await expectPimError(fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'r' }), 'not_eligible');
  });

  it('also ends a running activation of the role, as revoked', async () => {
    const res = await fx.pim.activate(fx.actor('bob'), { role: 'Contributor', reason: 'fix' });
    const ended = await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Contributor');
    expect(ended.map((a) => a.type).sort()).toEqual(['active', 'eligible']);
    expect((await fx.request(res.request.id)).state).toBe('revoked');
  });

  it('of nothing is refused with not_assigned', async () => {
    await expectPimError(fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Owner'), 'not_assigned');
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
    await fx.pim.remove(fx.actor('erin'), 'bob@example.com', 'Reader');
    expect(await fx.pim.bootstrap(fx.configBootstrap())).toBe(0);
    expect(await fx.assignments()).toHaveLength(1);
  });
});
