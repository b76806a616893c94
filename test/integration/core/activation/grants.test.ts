/**
 * An external grant provider (inline: false): the request waits in `approved` with a `grant`
 * outbox row until the dispatcher confirms (completeGrant) or gives up (failGrant).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { dm, expectPimError, HOUR, MIN, PimFixture, PROD, START } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { inline: false });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);
const activate = () => fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });

describe('external provider', () => {
  it('activation leaves the request approved with a grant outbox row, and no assignment yet', async () => {
    const res = await activate();
    expect(res.outcome).toBe('granting');
    expect(res.request.state).toBe('approved');
    expect(res.request.assignmentId).toEqual(expect.any(String));
    const grants = (await fx.outbox()).filter((r) => r.payload.type === 'grant');
    expect(grants).toHaveLength(1);
    expect(grants[0]?.dedupeKey).toBe(`grant:${res.request.id}`);
    expect(grants[0]?.payload).toMatchObject({
      type: 'grant',
      target: { assignmentId: res.request.assignmentId, principalId: 'alice@example.com', role: 'Contributor', scope: PROD, requestId: res.request.id },
    });
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
    expect(await fx.audit({ action: 'grant.requested' })).toHaveLength(1);
  });

  it('a second activation while the grant is under way is refused', async () => {
    await activate();
    await expectPimError(activate(), 'invalid_input');
  });

  it('completeGrant makes it active, ending a duration after the confirmation', async () => {
    const res = await activate();
    fx.clock.advance(2 * MIN);
    const done = await fx.pim.completeGrant(res.request.id);
    expect(done?.state).toBe('active');
    const a = await fx.assignment(res.request.assignmentId as string);
    expect(a).toMatchObject({ type: 'active', requestId: res.request.id, endedAt: null });
    expect(a.endsAt).toEqual(at(2 * MIN + HOUR));
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_started' })).toHaveLength(1);
  });

  it('completeGrant twice does nothing the second time', async () => {
    const res = await activate();
    await fx.pim.completeGrant(res.request.id);
    expect(await fx.pim.completeGrant(res.request.id)).toBeNull();
    expect(await fx.assignments({ type: 'active' })).toHaveLength(1);
  });

  it('failGrant makes it failed with the reason and tells the requester', async () => {
    const res = await activate();
    const failed = await fx.pim.failGrant(res.request.id, 'IAM refused: quota exceeded');
    expect(failed).toMatchObject({ state: 'failed', failureReason: 'IAM refused: quota exceeded' });
    expect((await fx.request(res.request.id)).failureReason).toBe('IAM refused: quota exceeded');
    const told = await fx.messages({ to: dm('alice'), kind: 'request_closed' });
    expect(told).toHaveLength(1);
    expect(told[0]?.notice).toMatchObject({ request: { id: res.request.id, state: 'failed' } });
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
    expect(await fx.audit({ action: 'grant.failed' })).toHaveLength(1);
  });

  it('failGrant queues a revoke of the assignment the provider may have applied', async () => {
    const res = await activate();
    await fx.pim.failGrant(res.request.id, 'webhook timed out');
    const revokes = (await fx.outbox()).filter((r) => r.payload.type === 'revoke');
    expect(revokes).toHaveLength(1);
    expect(revokes[0]?.dedupeKey).toBe(`revoke:${res.request.assignmentId}`);
    expect(revokes[0]?.payload).toMatchObject({ type: 'revoke', target: { assignmentId: res.request.assignmentId, requestId: res.request.id, role: 'Contributor', scope: PROD } });
  });

  it('a failed grant cannot be completed later', async () => {
    const res = await activate();
    await fx.pim.failGrant(res.request.id, 'no');
    expect(await fx.pim.completeGrant(res.request.id)).toBeNull();
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
  });

  it('an approved request with approval also waits for the provider', async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-3' });
    const approved = await fx.pim.approve(fx.actor('carol'), res.request.id);
    expect(approved.state).toBe('approved');
    expect((await fx.outbox()).filter((r) => r.dedupeKey === `grant:${res.request.id}`)).toHaveLength(1);
  });

  it('expiry queues a revoke for the provider', async () => {
    const res = await activate();
    await fx.pim.completeGrant(res.request.id);
    fx.clock.set(at(2 * HOUR));
    await fx.pim.processDeadlines();
    const revokes = (await fx.outbox()).filter((r) => r.payload.type === 'revoke');
    expect(revokes).toHaveLength(1);
    expect(revokes[0]?.payload).toMatchObject({ type: 'revoke', target: { assignmentId: res.request.assignmentId } });
  });
});
