/**
 * The approval rules adapters ask the core for: who is asked to decide a request, who may see its
 * card, and whether the actor may decide it now (what a Deny or Approve form is opened for).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { expectPimError, HOUR, MIN, PimFixture } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

async function pendingOwner(): Promise<string> {
  const res = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-42' });
  return res.request.id;
}

describe('otherApprovers', () => {
  it('names the approvers but the requester, whatever the case of its id', async () => {
    const r = await fx.request(await pendingOwner());
    const all = fx.pim.approversFor(r);
    expect(fx.pim.otherApprovers({ ...r, principalId: 'CAROL@example.com' }).sort()).toEqual(all.filter((id) => id !== 'carol@example.com').sort());
  });

  it('is empty for a role that left the config', () => {
    expect(fx.pim.otherApprovers({ kind: 'activate', role: 'Gone', scope: '/', principalId: 'alice@example.com' })).toEqual([]);
  });
});

describe('maySee', () => {
  it('lets the requester, an approver and an admin see the card, and nobody else', async () => {
    const r = await fx.request(await pendingOwner());
    expect(fx.pim.maySee(fx.actor('alice'), r)).toBe(true);
    expect(fx.pim.maySee(fx.actor('carol'), r)).toBe(true);
    expect(fx.pim.maySee(fx.actor('erin'), r)).toBe(true);
    expect(fx.pim.maySee(fx.actor('bob'), r)).toBe(false);
  });
});

describe('decidable', () => {
  it('gives an approver the request, its id typed any way', async () => {
    const id = await pendingOwner();
    expect((await fx.pim.decidable(fx.actor('carol'), ` #${id.toLowerCase()}`)).id).toBe(id);
  });

  it('refuses as approve and deny do: unknown, the requester, a non-approver, past the deadline', async () => {
    const id = await pendingOwner();
    await expectPimError(fx.pim.decidable(fx.actor('carol'), 'R-NOPE'), 'not_found');
    await expectPimError(fx.pim.decidable({ ...fx.actor('alice'), principal: { ...fx.actor('alice').principal, id: 'ALICE@example.com' } }, id), 'self_approval');
    await expectPimError(fx.pim.decidable(fx.actor('bob'), id), 'not_approver');
    fx.clock.advance(25 * HOUR);
    const e = await expectPimError(fx.pim.decidable(fx.actor('carol'), id), 'already_decided');
    expect(e.details).toMatchObject({ state: 'timed_out' });
  });

  it('writes nothing', async () => {
    const id = await pendingOwner();
    const before = await fx.auditActions();
    await expectPimError(fx.pim.decidable(fx.actor('bob'), id), 'not_approver');
    expect(await fx.auditActions()).toEqual(before);
  });
});

describe('approvalDeadEnds', () => {
  it('warns of nothing when every eligible member has another approver', async () => {
    expect(await fx.pim.approvalDeadEnds()).toEqual([]);
  });

  it('warns when the only approver of a role is one of its eligible members', async () => {
    const one = new PimFixture(fx.database, {
      yaml: (y) => y.replace('approvers: [group:sre-leads]', 'approvers: [carol@example.com]'),
    });
    try {
      await one.reset();
      // carol is eligible for Owner (bootstrap) and now its only approver.
      expect(await one.pim.approvalDeadEnds()).toEqual([expect.stringContaining('Owner at /subscriptions/prod: carol@example.com is its only approver and is eligible for it')]);
    } finally {
      await fx.reset();
    }
  });
});
