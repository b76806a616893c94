/**
 * Approval: pending request, approval card, approve / deny / cancel, self-approval and
 * non-approvers refused and audited, first decision wins, timeout by the deadline loop.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActivateResult } from '../../../../src/core/index.js';
import { testDatabase } from '../../../support/db.js';
import { channel, dm, expectPimError, HOUR, MIN, OWNER_SCOPE, PimFixture, START, type UserName } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

/** `who` asks for Owner for 30 minutes; returns the pending request. */
async function requestOwner(who: UserName = 'alice'): Promise<ActivateResult> {
  return fx.pim.activate(fx.actor(who), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-42' });
}

describe('activation with approval', () => {
  it('leaves the request pending_approval with a deadline, naming the approvers', async () => {
    const res = await requestOwner();
    expect(res.outcome).toBe('pending_approval');
    expect(res.request).toMatchObject({ state: 'pending_approval', ticket: 'INC-42', scope: OWNER_SCOPE });
    expect(res.request.approvalDeadline).toEqual(at(24 * HOUR));
    expect(res.outcome === 'pending_approval' && [...res.approvers].sort()).toEqual(['carol@example.com', 'erin@example.com']);
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
  });

  it('queues the approval card to the approvals channel and tells the requester it is pending', async () => {
    const res = await requestOwner();
    const cards = await fx.messages({ to: channel('approvals'), kind: 'approval_request' });
    expect(cards).toHaveLength(1);
    const card = cards[0]?.notice;
    expect(card?.kind === 'approval_request' && card.request).toMatchObject({ id: res.request.id, state: 'pending_approval', requester: { id: 'alice@example.com', name: 'Alice' } });
    const row = (await fx.outbox()).find((r) => r.payload.type === 'message' && r.payload.notice.kind === 'approval_request');
    expect(row?.payload.type === 'message' && row.payload.subject).toBe(`request:${res.request.id}`);
    // Asked in chat: the answer is alice's message about the request (kept by the adapter), not a DM.
    expect(await fx.messages({ to: dm('alice'), kind: 'request_pending' })).toHaveLength(0);
  });

  it('asked from the CLI, tells the requester by DM that it is pending', async () => {
    await fx.pim.activate(fx.pim.actorFor('alice@example.com', 'cli'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-42' });
    expect(await fx.messages({ to: dm('alice'), kind: 'request_pending' })).toHaveLength(1);
  });

  it('is listed in the approvers\' pending approvals, not in the requester\'s', async () => {
    const res = await requestOwner();
    expect((await fx.pim.pendingApprovals(fx.actor('carol'))).map((r) => r.id)).toEqual([res.request.id]);
    expect(await fx.pim.pendingApprovals(fx.actor('alice'))).toEqual([]);
    expect(await fx.pim.pendingApprovals(fx.actor('bob'))).toEqual([]);
  });

  it('approved by an approver, becomes active for the asked duration from the approval', async () => {
    const res = await requestOwner();
    fx.clock.advance(5 * MIN);
    const approved = await fx.pim.approve(fx.actor('carol'), res.request.id, 'go ahead');
    expect(approved).toMatchObject({ state: 'active', decidedBy: 'carol@example.com', decisionReason: 'go ahead' });
    const a = await fx.assignment(approved.assignmentId as string);
    expect(a).toMatchObject({ principalId: 'alice@example.com', role: 'Owner', type: 'active', requestId: res.request.id });
    expect(a.endsAt).toEqual(at(35 * MIN));
    const actions = (await fx.audit({ subject: `request:${res.request.id}` })).map((e) => e.action);
    expect(actions).toEqual(['request.created', 'request.approved', 'activation.started']);
  });

  it('approved, updates the approval card and tells the requester and the security channel', async () => {
    const res = await requestOwner();
    await fx.pim.approve(fx.actor('erin'), res.request.id);
    const updates = (await fx.outbox()).filter((r) => r.payload.type === 'update');
    expect(updates).toHaveLength(2);
    expect(updates[0]?.payload).toMatchObject({ type: 'update', subject: `request:${res.request.id}`, notice: { kind: 'approval_request', request: { state: 'active' } } });
    // The requester's "waiting for approval" message is updated too (it loses its Cancel button).
    expect(updates[1]?.payload).toMatchObject({ type: 'update', subject: `pending:${res.request.id}`, notice: { kind: 'request_pending', request: { state: 'active' } } });
    expect(await fx.messages({ to: dm('alice'), kind: 'request_decided' })).toHaveLength(1);
    expect(await fx.messages({ to: channel('security'), kind: 'activation_started' })).toHaveLength(1);
  });

  it('accepts the request id typed in lower case or with a #', async () => {
    const res = await requestOwner();
    expect((await fx.pim.approve(fx.actor('carol'), `#${res.request.id.toLowerCase()}`)).state).toBe('active');
  });
});

describe('self-approval', () => {
  it('is refused even when the requester is an approver (carol asking for Owner)', async () => {
    const res = await requestOwner('carol');
    expect(res.outcome === 'pending_approval' && res.approvers).toEqual(['erin@example.com']);
    await expectPimError(fx.pim.approve(fx.actor('carol'), res.request.id), 'self_approval');
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
  });

  it('is audited as refused.approve', async () => {
    const res = await requestOwner('carol');
    await expectPimError(fx.pim.approve(fx.actor('carol'), res.request.id), 'self_approval');
    const refused = await fx.audit({ action: 'refused.approve' });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: 'carol@example.com', subject: res.request.id, details: { code: 'self_approval', requestId: res.request.id } });
  });

  it('a self-denial is refused too', async () => {
    const res = await requestOwner('carol');
    await expectPimError(fx.pim.deny(fx.actor('carol'), res.request.id, 'never mind'), 'self_approval');
  });

  it('leaves the request to another approver', async () => {
    const res = await requestOwner('carol');
    expect((await fx.pim.approve(fx.actor('erin'), res.request.id)).state).toBe('active');
  });
});

describe('a non-approver', () => {
  it('is refused and audited, and nothing changes', async () => {
    const res = await requestOwner();
    const outboxBefore = await fx.outbox();
    await expectPimError(fx.pim.approve(fx.actor('bob'), res.request.id), 'not_approver');
    expect(await fx.request(res.request.id)).toEqual(res.request);
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
    expect(await fx.outbox()).toEqual(outboxBefore);
    const refused = await fx.audit({ action: 'refused.approve' });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: 'bob@example.com', details: { code: 'not_approver' } });
  });

  it('cannot deny either', async () => {
    const res = await requestOwner();
    await expectPimError(fx.pim.deny(fx.actor('bob'), res.request.id, 'no'), 'not_approver');
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
  });
});

describe('deny', () => {
  it('needs a reason', async () => {
    const res = await requestOwner();
    await expectPimError(fx.pim.deny(fx.actor('carol'), res.request.id, '  '), 'reason_required');
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
  });

  it('with a reason, denies and tells the requester', async () => {
    const res = await requestOwner();
    const denied = await fx.pim.deny(fx.actor('carol'), res.request.id, 'use the break-glass account');
    expect(denied).toMatchObject({ state: 'denied', decidedBy: 'carol@example.com', decisionReason: 'use the break-glass account' });
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
    const told = await fx.messages({ to: dm('alice'), kind: 'request_decided' });
    expect(told).toHaveLength(1);
    expect(told[0]?.notice.kind === 'request_decided' && told[0].notice.request.state).toBe('denied');
    expect((await fx.audit({ action: 'request.denied' }))[0]?.details.reason).toBe('use the break-glass account');
  });
});

describe('first decision wins', () => {
  it('a second approval is refused with already_decided, naming who decided', async () => {
    const res = await requestOwner();
    await fx.pim.approve(fx.actor('carol'), res.request.id);
    const e = await expectPimError(fx.pim.approve(fx.actor('erin'), res.request.id), 'already_decided');
    expect(e.details).toMatchObject({ state: 'active', by: 'Carol' });
    expect(await fx.activeAssignments('alice@example.com')).toHaveLength(1);
    expect(await fx.audit({ action: 'request.approved' })).toHaveLength(1);
  });

  it('a denial after an approval is refused with already_decided', async () => {
    const res = await requestOwner();
    await fx.pim.approve(fx.actor('carol'), res.request.id);
    await expectPimError(fx.pim.deny(fx.actor('erin'), res.request.id, 'too late'), 'already_decided');
    expect((await fx.request(res.request.id)).state).toBe('active');
  });

  it('an unknown request is not_found', async () => {
    await expectPimError(fx.pim.approve(fx.actor('carol'), 'R-NOPE123'), 'not_found');
  });
});

describe('cancel', () => {
  it('by the requester cancels the pending request and updates the approval card', async () => {
    const res = await requestOwner();
    const canceled = await fx.pim.cancel(fx.actor('alice'), res.request.id);
    expect(canceled.state).toBe('canceled');
    expect((await fx.outbox()).filter((r) => r.dedupeKey === `update:${res.request.id}:canceled:slack`)).toHaveLength(1);
    expect((await fx.outbox()).filter((r) => r.dedupeKey === `update:pending:${res.request.id}:canceled:slack`)).toHaveLength(1);
    expect(await fx.audit({ action: 'request.canceled' })).toHaveLength(1);
    await expectPimError(fx.pim.approve(fx.actor('carol'), res.request.id), 'already_decided');
  });

  it('by someone else is refused and audited', async () => {
    const res = await requestOwner();
    await expectPimError(fx.pim.cancel(fx.actor('bob'), res.request.id), 'not_requester');
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
    expect((await fx.audit({ action: 'refused.cancel' }))[0]?.details.code).toBe('not_requester');
  });

  it('after a decision is refused with already_decided', async () => {
    const res = await requestOwner();
    await fx.pim.deny(fx.actor('carol'), res.request.id, 'no');
    await expectPimError(fx.pim.cancel(fx.actor('alice'), res.request.id), 'already_decided');
  });

  it('lets the requester ask again', async () => {
    const res = await requestOwner();
    await fx.pim.cancel(fx.actor('alice'), res.request.id);
    expect((await requestOwner()).outcome).toBe('pending_approval');
  });
});

describe('approval timeout', () => {
  it('nothing happens before the deadline', async () => {
    const res = await requestOwner();
    fx.clock.set(at(24 * HOUR - 1));
    expect((await fx.pim.processDeadlines()).timedOut).toBe(0);
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
  });

  it('at the deadline the request times out, its card is updated and the requester told', async () => {
    const res = await requestOwner();
    expect(await fx.pim.nextDeadline()).toEqual(at(24 * HOUR));
    fx.clock.set(at(24 * HOUR));
    expect((await fx.pim.processDeadlines()).timedOut).toBe(1);
    expect((await fx.request(res.request.id)).state).toBe('timed_out');
    const update = (await fx.outbox()).filter((r) => r.dedupeKey === `update:${res.request.id}:timed_out:slack`);
    expect(update).toHaveLength(1);
    expect(update[0]?.payload).toMatchObject({ type: 'update', notice: { request: { state: 'timed_out' } } });
    expect(await fx.messages({ to: dm('alice'), kind: 'request_closed' })).toHaveLength(1);
    expect(await fx.audit({ action: 'request.timed_out' })).toHaveLength(1);
  });

  it('a timed-out request can no longer be approved', async () => {
    const res = await requestOwner();
    fx.clock.set(at(25 * HOUR));
    await fx.pim.processDeadlines();
    await expectPimError(fx.pim.approve(fx.actor('carol'), res.request.id), 'already_decided');
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
  });

  it('past the deadline, a decision is refused even before the deadline loop has run', async () => {
    const res = await requestOwner();
    fx.clock.set(at(24 * HOUR));
    const e = await expectPimError(fx.pim.approve(fx.actor('carol'), res.request.id), 'already_decided');
    expect(e.details.state).toBe('timed_out');
    expect(await fx.assignments({ type: 'active' })).toEqual([]);
    expect((await fx.pim.processDeadlines()).timedOut).toBe(1);
    expect((await fx.request(res.request.id)).state).toBe('timed_out');
  });

  it('times out once, however often the deadline loop runs', async () => {
    await requestOwner();
    fx.clock.set(at(25 * HOUR));
    await fx.pim.processDeadlines();
    expect((await fx.pim.processDeadlines()).timedOut).toBe(0);
    expect(await fx.audit({ action: 'request.timed_out' })).toHaveLength(1);
    expect(await fx.messages({ to: dm('alice'), kind: 'request_closed' })).toHaveLength(1);
  });
});

describe('queued cards brought up to date', () => {
  it('currentNotices gives, for a batch, what currentNotice gives for each: the state now and the end of the grant', async () => {
    const approved = await requestOwner('alice');
    const waiting = await requestOwner('carol');
    const queued = (await fx.messages()).map((m) => m.notice).filter((n) => n.kind === 'approval_request' || n.kind === 'request_pending');
    fx.clock.advance(5 * MIN);
    await fx.pim.approve(fx.actor('carol'), approved.request.id);
    const other = { kind: 'text', text: 'left as it is' } as const;
    const batch = [...queued, other, ...queued];
    const each = await Promise.all(batch.map((n) => fx.pim.currentNotice(n)));
    expect(await fx.pim.currentNotices(batch)).toEqual(each);
    const byId = new Map(each.flatMap((n) => (n.kind === 'approval_request' ? [[n.request.id, n.request]] : [])));
    expect(byId.get(approved.request.id)).toMatchObject({ state: 'active', endsAt: at(35 * MIN).toISOString() });
    expect(byId.get(waiting.request.id)).toMatchObject({ state: 'pending_approval' });
    expect(each).toContainEqual(other);
    expect(await fx.pim.currentNotices([])).toEqual([]);
  });
});
