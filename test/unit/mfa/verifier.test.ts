import { describe, expect, it } from 'vitest';
import type { MfaRepo, UnitOfWork } from '../../../src/core/ports.js';
import { timeStep, totpAt } from '../../../src/mfa/totp.js';
import { TotpVerifier } from '../../../src/mfa/verifier.js';

/** An in-memory MfaRepo with the port's semantics: a step is usable only if newer than the last one. */
class FakeMfaRepo implements MfaRepo {
  readonly rows = new Map<string, { secret: string; lastStep: number; enrolledAt: Date }>();
  readonly usedSteps: number[] = [];

  async getSecret(principalId: string): Promise<{ secret: string; lastStep: number } | null> {
    const row = this.rows.get(principalId);
    return row ? { secret: row.secret, lastStep: row.lastStep } : null;
  }

  async setSecret(principalId: string, secret: string, at: Date): Promise<void> {
    this.rows.set(principalId, { secret, lastStep: -1, enrolledAt: at });
  }

  async useStep(principalId: string, step: number): Promise<boolean> {
    this.usedSteps.push(step);
    const row = this.rows.get(principalId);
    if (!row || step <= row.lastStep) return false;
    row.lastStep = step;
    return true;
  }
}

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ALICE = 'alice@example.com';
const T0 = new Date('2025-06-01T12:00:10Z');
const plus = (d: Date, seconds: number): Date => new Date(d.getTime() + seconds * 1000);

function setup(options?: ConstructorParameters<typeof TotpVerifier>[0]) {
  const mfa = new FakeMfaRepo();
  // The verifier only touches `uow.mfa`; the other repositories are not needed here.
  const uow = { mfa } as unknown as UnitOfWork;
  return { mfa, uow, verifier: new TotpVerifier(options) };
}

describe('TotpVerifier.verify', () => {
  it('answers not_enrolled when the principal has no secret', async () => {
    const { uow, verifier } = setup();
    expect(await verifier.verify(uow, ALICE, '123456', T0)).toBe('not_enrolled');
  });

  it('accepts the current code and records its step', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    expect(mfa.rows.get(ALICE)?.lastStep).toBe(timeStep(T0));
  });

  it('answers reused when the same code is given twice', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    const code = totpAt(SECRET, T0);
    expect(await verifier.verify(uow, ALICE, code, T0)).toBe('ok');
    expect(await verifier.verify(uow, ALICE, code, plus(T0, 5))).toBe('reused');
  });

  it('answers reused for an older step once a newer one was used', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -30)), T0)).toBe('reused');
  });

  it('accepts the next code after the current one was used', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    const later = plus(T0, 30);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, later), later)).toBe('ok');
  });

  it('accepts a code from the previous step (clock drift) within the window', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -30)), T0)).toBe('ok');
    expect(mfa.rows.get(ALICE)?.lastStep).toBe(timeStep(T0) - 1);
  });

  it('answers invalid for a code outside the window without using a step', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -90)), T0)).toBe('invalid');
    expect(mfa.usedSteps).toEqual([]);
  });

  it('answers invalid for a wrong or malformed code', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    const right = totpAt(SECRET, T0);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(await verifier.verify(uow, ALICE, wrong, T0)).toBe('invalid');
    expect(await verifier.verify(uow, ALICE, 'abc', T0)).toBe('invalid');
    expect(await verifier.verify(uow, ALICE, `${right}0`, T0)).toBe('invalid');
  });

  it('honours a wider window from its options', async () => {
    const { mfa, uow, verifier } = setup({ window: 3 });
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -90)), T0)).toBe('ok');
  });

  it('checks codes against the principal’s own secret only', async () => {
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    await mfa.setSecret('bob@example.com', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', T0);
    expect(await verifier.verify(uow, 'bob@example.com', totpAt(SECRET, T0), T0)).toBe('invalid');
  });
});

describe('TotpVerifier.enroll', () => {
  it('stores a new secret and returns it with its otpauth URI', async () => {
    const { mfa, uow, verifier } = setup({ newSecret: () => SECRET });
    const result = await verifier.enroll(uow, ALICE, T0);
    expect(result).toEqual({
      secret: SECRET,
      uri: `otpauth://totp/pimbot:alice%40example.com?secret=${SECRET}&issuer=pimbot&algorithm=SHA1&digits=6&period=30`,
    });
    expect(mfa.rows.get(ALICE)).toMatchObject({ secret: SECRET, enrolledAt: T0 });
  });

  it('generates a random base32 secret by default, usable right away', async () => {
    const { uow, verifier } = setup();
    const { secret, uri } = await verifier.enroll(uow, ALICE, T0);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toContain(`secret=${secret}`);
    expect(await verifier.verify(uow, ALICE, totpAt(secret, T0), T0)).toBe('ok');
  });

  it('replaces an earlier secret: its codes stop working', async () => {
    const { uow, verifier } = setup();
    const first = await verifier.enroll(uow, ALICE, T0);
    const second = await verifier.enroll(uow, ALICE, T0);
    expect(second.secret).not.toBe(first.secret);
    expect(await verifier.verify(uow, ALICE, totpAt(first.secret, T0), T0)).toBe('invalid');
    expect(await verifier.verify(uow, ALICE, totpAt(second.secret, T0), T0)).toBe('ok');
  });

  it('uses the configured issuer in the URI', async () => {
    const { uow, verifier } = setup({ issuer: 'Acme PIM', newSecret: () => SECRET });
    const { uri } = await verifier.enroll(uow, ALICE, T0);
    expect(uri.startsWith('otpauth://totp/Acme%20PIM:alice%40example.com?')).toBe(true);
    expect(uri).toContain('issuer=Acme%20PIM');
  });
});
