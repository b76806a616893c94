/**
 * Extension within policy: an activation's whole length, from its start to its new end, never
 * passes the role's `maxActivation`, and `extend` asks for what activation asks for: a reason, a
 * ticket matching the pattern, an MFA code (the activation path's own check), and approval.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Assignment } from '../../../../src/core/index.js';
import { testDatabase } from '../../../support/db.js';
import { channel, dm, expectPimError, HOUR, MIN, PimFixture, START } from '../../../support/pim.js';

/**
 * Console: 5 minutes at most, nothing else asked; Short: the same with 10 minutes. Strict: a reason, an INC- ticket and an MFA
 * code, 2h at most. Gated: a reason and carol's approval, 2h at most.
 */
const YAML = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: carol@example.com, name: Carol, slack: U0CAROL }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
admins: [erin@example.com]
channels:
  approvals: { slack: C0APPROVALS }
  security: { slack: C0SECURITY }
roles:
  - name: Console
    scopes: [/]
    policy: { maxActivation: 5m, requireJustification: false }
  - name: Short
    scopes: [/]
    policy: { maxActivation: 10m, requireJustification: false }
  - name: Strict
    scopes: [/]
    policy:
      maxActivation: 2h
      requireJustification: true
      requireTicket: true
      ticketPattern: "INC-[0-9]+"
      requireMfa: true
  - name: Gated
    scopes: [/]
    policy:
      maxActivation: 2h
      requireJustification: true
      approval: { required: true, approvers: [carol@example.com] }
      notify: { requested: [security] }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Console, type: eligible }
    - { principal: alice@example.com, role: Short, type: eligible }
    - { principal: alice@example.com, role: Strict, type: eligible }
    - { principal: alice@example.com, role: Gated, type: eligible }
`;

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { yaml: () => YAML });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);
const alice = () => fx.actor('alice@example.com');

async function active(role: string, input: { durationMs: number; reason?: string; ticket?: string; mfaCode?: string }): Promise<Assignment> {
  const res = await fx.pim.activate(alice(), { role, ...input });
  if (res.outcome === 'pending_approval') await fx.pim.approve(fx.actor('carol@example.com'), res.request.id);
  const [a] = await fx.activeAssignments('alice@example.com');
  if (!a) throw new Error(`${role} is not active`);
  return a;
}

describe('the cap counts the whole activation, from its start', () => {
  it('seven extends a minute apart on a 5-minute role: refused once the whole length would pass 5m', async () => {
    const a = await active('Console', { durationMs: 5 * MIN });
    const outcomes: string[] = [];
    for (let k = 1; k <= 7; k++) {
      fx.clock.set(at(k * MIN));
      try {
        await fx.pim.extend(alice(), { role: 'Console', durationMs: MIN });
        outcomes.push('extended');
      } catch (e) {
        outcomes.push((e as { code?: string }).code ?? String(e));
      }
    }
    // Before: each extend was checked against 5m from now, and the role stayed active for 12m and
    // counting. Now the 5m activation has no room at all, and it ends at 5m.
    expect(outcomes).toEqual([...Array(4).fill('extension_too_long'), ...Array(3).fill('not_active')]);
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(5 * MIN));
    expect(await fx.audit({ action: 'refused.extend' })).toHaveLength(7);
  });

  it('seven extends a minute apart on a 10-minute role: extended while the whole length fits, refused once it would pass 10m', async () => {
    const a = await active('Short', { durationMs: 5 * MIN });
    const outcomes: string[] = [];
    for (let k = 1; k <= 7; k++) {
      fx.clock.set(at(k * MIN));
      try {
        await fx.pim.extend(alice(), { role: 'Short', durationMs: MIN });
        outcomes.push('extended');
      } catch (e) {
        outcomes.push((e as { code?: string }).code ?? String(e));
      }
    }
    expect(outcomes).toEqual([...Array(5).fill('extended'), 'extension_too_long', 'extension_too_long']);
    const ended = await fx.assignment(a.id);
    expect(ended.endsAt).toEqual(at(10 * MIN));
    expect((ended.endsAt as Date).getTime() - ended.startsAt.getTime()).toBe(10 * MIN);
  });

  it('extends within what is left, then refuses with how much more is allowed, then says it runs its full length', async () => {
    const a = await active('Gated', { durationMs: HOUR, reason: 'incident' });
    fx.clock.set(at(10 * MIN));
    const tooMuch = await expectPimError(fx.pim.extend(alice(), { role: 'Gated', durationMs: 90 * MIN, reason: 'still on it' }), 'extension_too_long');
    expect(tooMuch.message).toBe('Gated can be active for at most 2h in all, counted from when this activation started: it can get at most 1h more. Ask for 1h or less, or activate again when it ends.');
    const ext = await fx.pim.extend(alice(), { role: 'Gated', durationMs: HOUR, reason: 'still on it' });
    if (ext.outcome !== 'pending_approval') throw new Error('expected an approval request');
    await fx.pim.approve(fx.actor('carol@example.com'), ext.request.id);
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(2 * HOUR));
    fx.clock.set(at(90 * MIN));
    const full = await expectPimError(fx.pim.extend(alice(), { role: 'Gated', durationMs: MIN, reason: 'a minute more' }), 'extension_too_long');
    expect(full.message).toBe('Gated can be active for at most 2h in all, and this activation already runs its full 2h: activate again when it ends.');
  });

  it('a new activation after the old one ends gets its own full length (with the policy’s checks)', async () => {
    await active('Console', { durationMs: 5 * MIN });
    fx.clock.set(at(5 * MIN));
    await fx.pim.processDeadlines();
    const again = await active('Console', { durationMs: 5 * MIN });
    expect(again.startsAt).toEqual(at(5 * MIN));
    expect(again.endsAt).toEqual(at(10 * MIN));
  });
});

describe('extend asks for what activation asks for', () => {
  let secret: string;
  let a: Assignment;
  beforeEach(async () => {
    secret = await fx.enrolMfa('alice@example.com');
    a = await active('Strict', { durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-1', mfaCode: fx.code(secret) });
    fx.clock.set(at(2 * MIN)); // a new TOTP step: the activation's code is spent
  });

  const full = () => ({ role: 'Strict', durationMs: 10 * MIN, reason: 'still fixing', ticket: 'INC-2', mfaCode: fx.code(secret) });

  it('a reason', async () => {
    await expectPimError(fx.pim.extend(alice(), { ...full(), reason: undefined }), 'reason_required');
    await expectPimError(fx.pim.extend(alice(), { ...full(), reason: ' ' }), 'reason_required');
  });

  it('a ticket, matching the pattern', async () => {
    await expectPimError(fx.pim.extend(alice(), { ...full(), ticket: undefined }), 'ticket_required');
    const e = await expectPimError(fx.pim.extend(alice(), { ...full(), ticket: 'CHG-9' }), 'ticket_invalid');
    expect(e.message).toContain('INC-[0-9]+');
  });

  it('an MFA code, verified by the activation path’s check: missing, wrong and reused codes are refused', async () => {
    await expectPimError(fx.pim.extend(alice(), { ...full(), mfaCode: undefined }), 'mfa_required');
    await expectPimError(fx.pim.extend(alice(), { ...full(), mfaCode: '000000' === fx.code(secret) ? '111111' : '000000' }), 'mfa_invalid');
    const code = fx.code(secret);
    await fx.pim.extend(alice(), { ...full(), mfaCode: code });
    fx.clock.set(at(2 * MIN + 10_000)); // the same code, still within its window
    await expectPimError(fx.pim.extend(alice(), { ...full(), mfaCode: code }), 'mfa_reused');
  });

  it('with everything given, extends and records what was checked', async () => {
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(30 * MIN));
    const res = await fx.pim.extend(alice(), full());
    expect(res.outcome).toBe('extended');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(40 * MIN));
    const [row] = await fx.audit({ action: 'activation.extended' });
    expect(row?.details).toMatchObject({ reason: 'still fixing', ticket: 'INC-2', mfa: 'verified', durationMs: 10 * MIN });
    const [req] = await fx.store.transaction((uow) => uow.requests.find({ principalId: 'alice@example.com', states: ['completed'] }));
    expect(req).toMatchObject({ kind: 'extend', reason: 'still fixing', ticket: 'INC-2', targetAssignmentId: a.id });
  });

  it('every refusal is audited and moves nothing', async () => {
    await expectPimError(fx.pim.extend(alice(), { ...full(), ticket: undefined }), 'ticket_required');
    await expectPimError(fx.pim.extend(alice(), { ...full(), mfaCode: undefined }), 'mfa_required');
    expect((await fx.audit({ action: 'refused.extend' })).map((r) => r.details.code)).toEqual(['ticket_required', 'mfa_required']);
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(30 * MIN));
  });

  it('planExtension says what is missing and how much is left', async () => {
    const plan = await fx.pim.planExtension(alice(), { role: 'strict' });
    expect(plan).toMatchObject({ scope: '/', roomMs: 90 * MIN, missing: ['reason', 'ticket', 'code'] });
    expect(await fx.pim.planExtension(alice(), { role: 'Console' })).toBeNull();
  });
});

describe('extend through approval', () => {
  let a: Assignment;
  beforeEach(async () => {
    a = await active('Gated', { durationMs: 30 * MIN, reason: 'incident' });
    fx.clock.set(at(5 * MIN));
  });

  async function ask(durationMs = 20 * MIN) {
    const res = await fx.pim.extend(alice(), { role: 'Gated', durationMs, reason: 'still fixing' });
    if (res.outcome !== 'pending_approval') throw new Error('expected an approval request');
    return res.request;
  }

  it('posts an extension card to the approvers and tells the requester it waits; the end does not move yet', async () => {
    const r = await ask();
    expect(r).toMatchObject({ kind: 'extend', state: 'pending_approval', targetAssignmentId: a.id, reason: 'still fixing' });
    const [card] = await fx.messages({ to: channel('approvals'), kind: 'approval_request' }).then((m) => m.filter((x) => x.notice.kind === 'approval_request' && x.notice.request.id === r.id));
    expect(card?.notice).toMatchObject({ request: { kind: 'extend', durationMs: 20 * MIN, reason: 'still fixing' } });
    expect(await fx.messages({ to: channel('security'), kind: 'approval_request' })).toHaveLength(2); // the activation's and the extension's
    // Asked in chat: the answers are alice's messages about both requests, so no DM repeats them.
    expect(await fx.messages({ to: dm('alice@example.com'), kind: 'request_pending' })).toHaveLength(0);
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(30 * MIN));
  });

  it('approved, moves the end and tells the holder', async () => {
    const r = await ask();
    const done = await fx.pim.approve(fx.actor('carol@example.com'), r.id);
    expect(done.state).toBe('completed');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(50 * MIN));
    // One DM: the decision, with the new end.
    expect(await fx.messages({ to: dm('alice@example.com'), kind: 'activation_extended' })).toHaveLength(0);
    const decided = (await fx.messages({ to: dm('alice@example.com'), kind: 'request_decided' })).map((m) => m.notice).find((n) => n.kind === 'request_decided' && n.request.id === r.id);
    expect(decided?.kind === 'request_decided' && decided.request.endsAt).toBe(at(50 * MIN).toISOString());
  });

  it('denied, leaves the end where it was', async () => {
    const r = await ask();
    const denied = await fx.pim.deny(fx.actor('carol@example.com'), r.id, 'wrap it up');
    expect(denied.state).toBe('denied');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(30 * MIN));
    expect(await fx.messages({ kind: 'activation_extended' })).toEqual([]);
  });

  it('one open extension request per activation', async () => {
    const r = await ask();
    const e = await expectPimError(fx.pim.extend(alice(), { role: 'Gated', durationMs: 10 * MIN, reason: 'more' }), 'invalid_input');
    expect(e.message).toBe(`You already have extension request ${r.id} for Gated waiting for approval. Cancel it with \`cancel ${r.id}\` or wait for it.`);
    await fx.pim.cancel(alice(), r.id);
    expect((await ask(10 * MIN)).state).toBe('pending_approval');
  });

  it('approved after the activation ended: fails, the activation is not revived', async () => {
    const r = await ask();
    fx.clock.set(at(31 * MIN)); // past the end, before the deadline loop ran
    const done = await fx.pim.approve(fx.actor('carol@example.com'), r.id);
    expect(done.state).toBe('failed');
    expect(done.failureReason).toBe('The assignment ended before the request was approved.');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(30 * MIN));
  });

  it('is checked again at approval: an end that moved meanwhile cannot take it past the maximum', async () => {
    const r = await ask(90 * MIN); // 30m + 90m = 2h: allowed when asked
    // The activation's end moves another way meanwhile (an admin's fix, a migration): 30m more.
    await fx.store.transaction((uow) => uow.assignments.setEnd(a.id, at(HOUR)));
    const done = await fx.pim.approve(fx.actor('carol@example.com'), r.id);
    expect(done.state).toBe('failed');
    expect(done.failureReason).toContain('it can get at most 1h more');
    expect((await fx.assignment(a.id)).endsAt).toEqual(at(HOUR));
    expect(await fx.audit({ action: 'extension.failed' })).toHaveLength(1);
    const [told] = (await fx.messages({ to: dm('alice@example.com'), kind: 'request_decided' })).filter((m) => m.notice.kind === 'request_decided' && m.notice.request.id === r.id);
    expect(told?.notice).toMatchObject({ request: { state: 'failed' } });
  });
});
