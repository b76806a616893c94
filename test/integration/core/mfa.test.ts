/** MFA on activation with TOTP: enrolment, a valid code, a wrong code, a reused code. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hotp, timeStep } from '../../../src/mfa/totp.js';
import { testDatabase } from '../../support/db.js';
import { expectPimError, MIN, PimFixture } from '../../support/pim.js';

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
  it('enrolment stores a secret the verifier then knows', async () => {
    const secret = await fx.enrolMfa('alice');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const stored = await fx.store.transaction((uow) => uow.mfa.getSecret('alice@example.com'));
    expect(stored?.secret).toBe(secret);
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
