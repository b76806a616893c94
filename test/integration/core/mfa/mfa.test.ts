/**
 * MFA with TOTP: enrolment (the secret stored encrypted), a valid code, a wrong code, a reused
 * code; the lockout after too many wrong codes (audited, the security channel told), and the
 * approver step-up (`approval.requireMfa`).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../src/core/index.js';
import { rowsOf } from '../../../../src/db/rows.js';
import { hotp, timeStep } from '../../../../src/mfa/totp.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase } from '../../../support/db.js';
import { channel, dm, expectPimError, extraUser, MIN, PimFixture } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

/** A six-digit code that is valid at none of the accepted steps (now ± 1). */
function wrongCode(secret: string): string {
  const step = timeStep(fx.clock.now());
  const valid = new Set([step - 1, step, step + 1].map((s) => hotp(secret, s)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

const activateMfa = (code?: string) => fx.pim.activate(fx.actor('alice'), { role: 'MfaRole', durationMs: 30 * MIN, ...(code === undefined ? {} : { mfaCode: code }) });

describe('MFA on activation', () => {
  it('enrolment stores the secret encrypted: the table never holds it', async () => {
    const secret = await fx.enrolMfa('alice');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const rows = rowsOf<Record<string, unknown>>(await fx.db.execute(sql`select * from mfa_secrets`));
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    expect(raw).not.toContain(secret);
    expect(raw.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(String(rows[0]?.secret)).toMatch(/^v1\.[0-9a-f]{16}\./);
    expect((await activateMfa(fx.code(secret))).outcome).toBe('active');
  });

  it('activates with the current code', async () => {
    const secret = await fx.enrolMfa('alice');
    const res = await activateMfa(fx.code(secret));
    expect(res.outcome).toBe('active');
    expect((await fx.audit({ action: 'request.created' }))[0]?.details.mfa).toBe('verified');
  });

  it('accepts the previous step\'s code (30 s of clock drift)', async () => {
    const secret = await fx.enrolMfa('alice');
    const code = fx.code(secret);
    fx.clock.advance(30_000);
    expect((await activateMfa(code)).outcome).toBe('active');
  });

  it('refuses a wrong code, audited, and activates nothing', async () => {
    const secret = await fx.enrolMfa('alice');
    await expectPimError(activateMfa(wrongCode(secret)), 'mfa_invalid');
    expect(await fx.activeAssignments('alice@example.com')).toEqual([]);
    expect((await fx.audit({ action: 'refused.activate' }))[0]?.details.code).toBe('mfa_invalid');
  });

  it('a wrong code does not use up the right one', async () => {
    const secret = await fx.enrolMfa('alice');
    await expectPimError(activateMfa(wrongCode(secret)), 'mfa_invalid');
    expect((await activateMfa(fx.code(secret))).outcome).toBe('active');
  });

  it('refuses the same code used twice', async () => {
    const secret = await fx.enrolMfa('alice');
    const code = fx.code(secret);
    await activateMfa(code);
    await fx.pim.deactivate(fx.actor('alice'), 'MfaRole');
    await expectPimError(activateMfa(code), 'mfa_reused');
    expect(await fx.activeAssignments('alice@example.com')).toEqual([]);
  });

  it('refuses an older code once a newer one was used', async () => {
    const secret = await fx.enrolMfa('alice');
    const old = fx.code(secret);
    fx.clock.advance(30_000);
    await activateMfa(fx.code(secret));
    await fx.pim.deactivate(fx.actor('alice'), 'MfaRole');
    await expectPimError(activateMfa(old), 'mfa_reused');
  });

  it('accepts the next code after the used one', async () => {
    const secret = await fx.enrolMfa('alice');
    await activateMfa(fx.code(secret));
    await fx.pim.deactivate(fx.actor('alice'), 'MfaRole');
    fx.clock.advance(30_000);
    expect((await activateMfa(fx.code(secret))).outcome).toBe('active');
  });

  it('asks for a code when none is given', async () => {
    await fx.enrolMfa('alice');
    await expectPimError(activateMfa(), 'mfa_required');
  });

  it('refuses a user who has not enrolled', async () => {
    await expectPimError(activateMfa('123456'), 'mfa_not_enrolled');
  });
});

/** Codes for `secret` that are wrong at the clock's time, all different. */
function wrongCodes(secret: string, n: number): string[] {
  const step = timeStep(fx.clock.now());
  const valid = new Set([step - 1, step, step + 1].map((st) => hotp(secret, st)));
  const out: string[] = [];
  for (let k = 0; out.length < n; k++) {
    const c = String(100_000 + k * 7919).padStart(6, '0');
    if (!valid.has(c)) out.push(c);
  }
  return out;
}

describe('MFA lockout', () => {
  it('locks after 5 wrong codes in 15 minutes: the 6th, though right, is refused until then', async () => {
    const secret = await fx.enrolMfa('alice');
    const codes = wrongCodes(secret, 5);
    for (const [k, code] of codes.slice(0, 4).entries()) {
      const e = await expectPimError(activateMfa(code), 'mfa_invalid');
      expect(e.details.attemptsLeft).toBe(4 - k);
    }
    fx.clock.advance(MIN);
    const fifth = await expectPimError(activateMfa(codes[4]), 'mfa_invalid');
    const until = new Date(fx.clock.now().getTime() + 15 * MIN).toISOString();
    expect(fifth.details.lockedUntil).toBe(until);
    expect(fifth.message).toContain('locked until 2030-01-07 09:16 UTC');

    const sixth = await expectPimError(activateMfa(fx.code(secret)), 'mfa_locked');
    expect(sixth.details.until).toBe(until);
    expect(sixth.message).toMatch(/locked until 2030-01-07 09:16 UTC.*not even the right one/);
    expect(await fx.activeAssignments('alice@example.com')).toEqual([]);

    // Every failure and the lock are audited; the refusal while locked is too.
    const failed = await fx.audit({ action: 'mfa.failed' });
    expect(failed.map((e) => e.details.failures)).toEqual([1, 2, 3, 4, 5]);
    expect(failed[0]).toMatchObject({ actor: 'alice@example.com', subject: 'principal:alice@example.com', details: { principal: 'alice@example.com', role: 'MfaRole', during: 'activate', verdict: 'invalid', platform: 'slack' } });
    const locked = await fx.audit({ action: 'mfa.locked' });
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ actor: 'system', subject: 'principal:alice@example.com', details: { failures: 5, until, windowMs: 15 * MIN } });
    expect((await fx.audit({ action: 'refused.activate' })).map((e) => e.details.code)).toEqual([...Array(5).fill('mfa_invalid'), 'mfa_locked']);

    // The security channel and Alice hear of it, once.
    const told = await fx.messages({ kind: 'mfa_locked' });
    expect(told.map((m) => m.to)).toEqual([channel('security'), dm('alice')]);
    expect(told[0]?.notice).toMatchObject({ kind: 'mfa_locked', principal: { id: 'alice@example.com', name: 'Alice' }, failures: 5, until, during: 'activate', role: 'MfaRole', platform: 'slack' });
  });

  it('unlocks when the lock ends, and counts afresh from there', async () => {
    const secret = await fx.enrolMfa('alice');
    for (const code of wrongCodes(secret, 5)) await activateMfa(code).catch(() => {});
    fx.clock.advance(15 * MIN - 1000);
    await expectPimError(activateMfa(fx.code(secret)), 'mfa_locked');
    fx.clock.advance(1000);
    // The failures before the lock no longer count: one wrong code leaves 4 tries.
    expect((await expectPimError(activateMfa(wrongCodes(secret, 1)[0]), 'mfa_invalid')).details.attemptsLeft).toBe(4);
    expect((await activateMfa(fx.code(secret))).outcome).toBe('active');
  });

  it('forgets wrong codes older than the window, and all of them after a right code', async () => {
    const secret = await fx.enrolMfa('alice');
    const codes = wrongCodes(secret, 9);
    for (const code of codes.slice(0, 4)) await expectPimError(activateMfa(code), 'mfa_invalid');
    fx.clock.advance(15 * MIN + 1000);
    expect((await expectPimError(activateMfa(codes[4]), 'mfa_invalid')).details.attemptsLeft).toBe(4);
    for (const code of codes.slice(5, 8)) await expectPimError(activateMfa(code), 'mfa_invalid');
    expect((await activateMfa(fx.code(secret))).outcome).toBe('active');
    await fx.pim.deactivate(fx.actor('alice'), 'MfaRole');
    expect((await expectPimError(activateMfa(codes[8]), 'mfa_invalid')).details.attemptsLeft).toBe(4);
    expect(await fx.audit({ action: 'mfa.locked' })).toEqual([]);
  });

  it('counts a reused code as a wrong one', async () => {
    const secret = await fx.enrolMfa('alice');
    const code = fx.code(secret);
    await activateMfa(code);
    await fx.pim.deactivate(fx.actor('alice'), 'MfaRole');
    expect((await expectPimError(activateMfa(code), 'mfa_reused')).details.attemptsLeft).toBe(4);
    expect((await fx.audit({ action: 'mfa.failed' }))[0]?.details.verdict).toBe('reused');
  });

  it('is per principal: Alice locked leaves Carol alone', async () => {
    const lx = new PimFixture(fx.database, { yaml: withCarolMfa });
    await lx.reset();
    const secret = await lx.enrolMfa('alice');
    const carolSecret = await lx.enrolMfa('carol');
    const act = (who: string, code: string) => lx.pim.activate(lx.actor(who), { role: 'MfaRole', durationMs: 30 * MIN, mfaCode: code });
    for (const code of wrongCodes(secret, 5)) await act('alice', code).catch(() => {});
    await expectPimError(act('alice', lx.code(secret)), 'mfa_locked');
    expect((await act('carol', lx.code(carolSecret))).outcome).toBe('active');
  });
});

/** Carol is eligible for MfaRole too. */
const withCarolMfa = (yaml: string) => yaml.replace('    - { principal: carol@example.com, role: Owner, type: eligible }', '    - { principal: carol@example.com, role: Owner, type: eligible }\n    - { principal: carol@example.com, role: MfaRole, type: eligible }');

describe('MFA lockout, configured', () => {
  let cx: PimFixture;
  beforeAll(() => {
    cx = new PimFixture(fx.database, { yaml: (y) => `${y}\nmfa: { maxFailures: 2, failureWindow: 1m, lockFor: 2m }\n` });
  });
  beforeEach(() => cx.reset());

  it('takes maxFailures, failureWindow and lockFor from the mfa: section', async () => {
    const id = cx.actor('alice').principal.id;
    const { secret } = await cx.store.transaction((uow) => cx.mfa.enroll(uow, id, cx.clock.now()));
    const act = (code: string) => cx.pim.activate(cx.actor('alice'), { role: 'MfaRole', durationMs: 30 * MIN, mfaCode: code });
    const step = timeStep(cx.clock.now());
    const valid = new Set([step - 1, step, step + 1].map((st) => hotp(secret, st)));
    const wrong = ['111111', '222222', '333333', '444444'].filter((c) => !valid.has(c));
    await expectPimError(act(wrong[0] as string), 'mfa_invalid');
    cx.clock.advance(MIN + 1000);
    await expectPimError(act(wrong[1] as string), 'mfa_invalid'); // the first is out of the 1m window
    const locking = await expectPimError(act(wrong[2] as string), 'mfa_invalid');
    expect(locking.details.lockedUntil).toBe(new Date(cx.clock.now().getTime() + 2 * MIN).toISOString());
    await expectPimError(act(totpAtNow(cx, secret)), 'mfa_locked');
    cx.clock.advance(2 * MIN);
    expect((await act(totpAtNow(cx, secret))).outcome).toBe('active');
  });
});

const totpAtNow = (x: PimFixture, secret: string) => x.code(secret);

/** Owner's approvers (sre-leads: Carol, Erin) must give a code to approve. */
const approverMfa = (yaml: string) =>
  yaml.replace('approval: { required: true, approvers: [group:sre-leads], timeout: 24h }', 'approval: { required: true, approvers: [group:sre-leads], timeout: 24h, requireMfa: true }');

describe('approver step-up (approval.requireMfa)', () => {
  let ax: PimFixture;
  beforeAll(() => {
    ax = new PimFixture(fx.database, { yaml: approverMfa });
  });
  beforeEach(() => ax.reset());

  const requestOwner = async (): Promise<string> => {
    const r = await ax.pim.activate(ax.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-42' });
    return r.request.id;
  };
  const enrol = async (who: string) => {
    const id = ax.actor(who).principal.id;
    return (await ax.store.transaction((uow) => ax.mfa.enroll(uow, id, ax.clock.now()))).secret;
  };

  it('refuses Approve without a code, audited, and changes nothing', async () => {
    await enrol('carol');
    const id = await requestOwner();
    const e = await expectPimError(ax.pim.approve(ax.actor('carol'), id), 'mfa_required');
    expect(e.message).toContain('Approving requests for Owner needs a one-time code');
    expect((await ax.request(id)).state).toBe('pending_approval');
    expect((await ax.audit({ action: 'refused.approve' }))[0]?.details).toMatchObject({ code: 'mfa_required', principal: 'carol@example.com' });
  });

  it('refuses a wrong code, counted against the approver, and approves with the right one', async () => {
    const secret = await enrol('carol');
    const id = await requestOwner();
    await expectPimError(ax.pim.approve(ax.actor('carol'), id, null, { mfaCode: '000000' === ax.code(secret) ? '000001' : '000000' }), 'mfa_invalid');
    expect((await ax.request(id)).state).toBe('pending_approval');
    expect((await ax.audit({ action: 'mfa.failed' }))[0]).toMatchObject({ actor: 'carol@example.com', details: { during: 'approve', requestId: id, role: 'Owner' } });
    const approved = await ax.pim.approve(ax.actor('carol'), id, null, { mfaCode: ax.code(secret) });
    expect(approved.state).toBe('active');
  });

  it('refuses an approver who has not enrolled', async () => {
    const id = await requestOwner();
    await expectPimError(ax.pim.approve(ax.actor('carol'), id, null, { mfaCode: '123456' }), 'mfa_not_enrolled');
    expect((await ax.request(id)).state).toBe('pending_approval');
  });

  it('applies the lockout to approvers: locked, even the right code is refused', async () => {
    const secret = await enrol('carol');
    const id = await requestOwner();
    const step = timeStep(ax.clock.now());
    const valid = new Set([step - 1, step, step + 1].map((st) => hotp(secret, st)));
    const wrong = Array.from({ length: 10 }, (_, k) => String(500_000 + k)).filter((c) => !valid.has(c));
    for (const code of wrong.slice(0, 5)) await expectPimError(ax.pim.approve(ax.actor('carol'), id, null, { mfaCode: code }), 'mfa_invalid');
    await expectPimError(ax.pim.approve(ax.actor('carol'), id, null, { mfaCode: ax.code(secret) }), 'mfa_locked');
    expect((await ax.request(id)).state).toBe('pending_approval');
    expect((await ax.messages({ kind: 'mfa_locked' }))[0]?.notice).toMatchObject({ principal: { id: 'carol@example.com' }, during: 'approve', role: 'Owner' });
  });

  it('asks no code to deny, nor when the policy does not ask for one', async () => {
    const id = await requestOwner();
    expect((await ax.pim.deny(ax.actor('carol'), id, 'not now')).state).toBe('denied');
    await fx.reset();
    const r = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-42' });
    expect((await fx.pim.approve(fx.actor('carol'), r.request.id)).state).toBe('active');
  });
});

noteSkippedWithoutPostgres('MFA lockout under concurrent wrong codes');

describe.runIf(onPostgres)('MFA lockout under concurrency (PostgreSQL)', () => {
  const RACERS = 20;
  let px: PimFixture;
  beforeAll(() => {
    // Reader needs approval by Carol with a code: twenty users' requests, twenty approvals at once.
    px = new PimFixture(fx.database, {
      extraUsers: RACERS,
      yaml: (y) => approverMfa(y).replace('    policy:\n      requireJustification: false\n', '    policy:\n      requireJustification: false\n      approval: { required: true, approvers: [carol@example.com], requireMfa: true }\n'),
    });
  });
  beforeEach(() => px.reset());

  it(`${RACERS} concurrent wrong codes on ${RACERS} different requests: exactly 5 are checked, the rest refused as locked`, async () => {
    const carol = px.actor('carol');
    const { secret } = await px.store.transaction((uow) => px.mfa.enroll(uow, carol.principal.id, px.clock.now()));
    const ids: string[] = [];
    for (let k = 1; k <= RACERS; k++) {
      const r = await px.pim.activate(px.actor(extraUser(k)), { role: 'Reader', durationMs: 30 * MIN });
      ids.push(r.request.id);
    }
    const step = timeStep(px.clock.now());
    const valid = new Set([step - 1, step, step + 1].map((st) => hotp(secret, st)));
    const wrong = Array.from({ length: RACERS + 5 }, (_, k) => String(300_000 + k)).filter((c) => !valid.has(c));
    const results = await Promise.allSettled(ids.map((id, k) => px.pim.approve(carol as Actor, id, null, { mfaCode: wrong[k] })));
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'approved'));
    expect(codes.filter((c) => c === 'mfa_invalid')).toHaveLength(5);
    expect(codes.filter((c) => c === 'mfa_locked')).toHaveLength(RACERS - 5);
    expect(await px.audit({ action: 'mfa.failed' })).toHaveLength(5);
    expect(await px.audit({ action: 'mfa.locked' })).toHaveLength(1);
    expect((await px.pim.approve(carol, ids[0] as string, null, { mfaCode: px.code(secret) }).catch((e: { code: string }) => e.code))).toBe('mfa_locked');
    for (const id of ids) expect((await px.request(id)).state).toBe('pending_approval');
  });
});
