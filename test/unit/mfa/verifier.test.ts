import { describe, expect, it } from 'vitest';
import type { MfaRepo, Store, UnitOfWork } from '../../../src/core/index.js';
import { encryptionKey, isSealed, SecretBox } from '../../../src/mfa/secret-box.js';
import { timeStep, totpAt } from '../../../src/mfa/totp.js';
import { TotpVerifier, type TotpVerifierOptions } from '../../../src/mfa/verifier.js';
import { testSecretBox } from '../../support/keys.js';

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

  async allSecrets(): Promise<{ principalId: string; secret: string }[]> {
    return [...this.rows].map(([principalId, r]) => ({ principalId, secret: r.secret }));
  }

  async replaceSecret(principalId: string, from: string, to: string): Promise<boolean> {
    const row = this.rows.get(principalId);
    if (!row || row.secret !== from) return false;
    row.secret = to;
    return true;
  }

  // The lockout is the core's (test/integration/core/mfa.test.ts); the verifier never counts.
  lockForCheck = unused;
  recordFailure = unused;
  countFailures = unused;
  lockUntil = unused;
  clearFailures = unused;
}

function unused(): never {
  throw new Error('the verifier does not count failures');
}

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ALICE = 'alice@example.com';
const T0 = new Date('2025-06-01T12:00:10Z');
const plus = (d: Date, seconds: number): Date => new Date(d.getTime() + seconds * 1000);

function setup(options: Partial<TotpVerifierOptions> = {}) {
  const mfa = new FakeMfaRepo();
  // The verifier only touches `uow.mfa`; the other repositories are not needed here.
  const uow = { mfa } as unknown as UnitOfWork;
  const box = options.box ?? testSecretBox();
  /** Stores a secret as enrolment does: encrypted for its principal. */
  const seed = (principalId: string, secret: string) => mfa.setSecret(principalId, box.seal(secret, principalId), T0);
  const store: Store = { transaction: (fn) => fn(uow) };
  return { mfa, uow, box, seed, store, verifier: new TotpVerifier({ ...options, box }) };
}

describe('TotpVerifier.verify', () => {
  it('answers not_enrolled when the principal has no secret', async () => {
    const { uow, verifier } = setup();
    expect(await verifier.verify(uow, ALICE, '123456', T0)).toBe('not_enrolled');
  });

  it('accepts the current code and records its step', async () => {
    const { mfa, uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    expect(mfa.rows.get(ALICE)?.lastStep).toBe(timeStep(T0));
  });

  it('answers reused when the same code is given twice', async () => {
    const { uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    const code = totpAt(SECRET, T0);
    expect(await verifier.verify(uow, ALICE, code, T0)).toBe('ok');
    expect(await verifier.verify(uow, ALICE, code, plus(T0, 5))).toBe('reused');
  });

  it('answers reused for an older step once a newer one was used', async () => {
    const { uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -30)), T0)).toBe('reused');
  });

  it('accepts the next code after the current one was used', async () => {
    const { uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    const later = plus(T0, 30);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, later), later)).toBe('ok');
  });

  it('accepts a code from the previous step (clock drift) within the window', async () => {
    const { mfa, uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -30)), T0)).toBe('ok');
    expect(mfa.rows.get(ALICE)?.lastStep).toBe(timeStep(T0) - 1);
  });

  it('answers invalid for a code outside the window without using a step', async () => {
    const { mfa, uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -90)), T0)).toBe('invalid');
    expect(mfa.usedSteps).toEqual([]);
  });

  it('answers invalid for a wrong or malformed code', async () => {
    const { uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    const right = totpAt(SECRET, T0);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(await verifier.verify(uow, ALICE, wrong, T0)).toBe('invalid');
    expect(await verifier.verify(uow, ALICE, 'abc', T0)).toBe('invalid');
    expect(await verifier.verify(uow, ALICE, `${right}0`, T0)).toBe('invalid');
  });

  it('honours a wider window from its options', async () => {
    const { uow, seed, verifier } = setup({ window: 3 });
    await seed(ALICE, SECRET);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, plus(T0, -90)), T0)).toBe('ok');
  });

  it('checks codes against the principal’s own secret only', async () => {
    const { uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    await seed('bob@example.com', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(await verifier.verify(uow, 'bob@example.com', totpAt(SECRET, T0), T0)).toBe('invalid');
  });
});

describe('TotpVerifier.enroll', () => {
  it('stores a new secret (encrypted) and returns it with its otpauth URI', async () => {
    const { mfa, uow, box, verifier } = setup({ newSecret: () => SECRET });
    const result = await verifier.enroll(uow, ALICE, T0);
    expect(result).toEqual({
      secret: SECRET,
      uri: `otpauth://totp/pimbot:alice%40example.com?secret=${SECRET}&issuer=pimbot&algorithm=SHA1&digits=6&period=30`,
    });
    const row = mfa.rows.get(ALICE);
    expect(row).toMatchObject({ enrolledAt: T0 });
    // Stored encrypted: the secret is not in the row, and opens only for Alice.
    expect(isSealed(row?.secret ?? '')).toBe(true);
    expect(row?.secret).not.toContain(SECRET);
    expect(box.open(row?.secret ?? '', ALICE)).toBe(SECRET);
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

describe('TotpVerifier with encrypted secrets', () => {
  it('answers unreadable, not invalid, for a secret that was altered', async () => {
    const { mfa, uow, seed, verifier } = setup();
    await seed(ALICE, SECRET);
    const row = mfa.rows.get(ALICE) as { secret: string };
    const parts = row.secret.split('.');
    const ct = Buffer.from(parts[4] as string, 'base64url');
    ct[0] = (ct[0] as number) ^ 1;
    row.secret = [...parts.slice(0, 4), ct.toString('base64url')].join('.');
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('unreadable');
    expect(mfa.usedSteps).toEqual([]);
  });

  it('answers unreadable for a secret copied from another principal’s row', async () => {
    const { mfa, uow, seed, verifier } = setup();
    await seed('mallory@example.com', SECRET);
    await mfa.setSecret(ALICE, (mfa.rows.get('mallory@example.com') as { secret: string }).secret, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('unreadable');
  });

  it('answers unreadable for a secret encrypted with a key it does not hold', async () => {
    const other = new SecretBox({ current: encryptionKey(Buffer.alloc(32, 7)), previous: [] });
    const { mfa, uow, verifier } = setup();
    await mfa.setSecret(ALICE, other.seal(SECRET, ALICE), T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('unreadable');
  });

  it('uses a plaintext secret from before encryption, and encrypts it in place', async () => {
    const { mfa, uow, box, verifier } = setup();
    await mfa.setSecret(ALICE, SECRET, T0);
    expect(await verifier.verify(uow, ALICE, totpAt(SECRET, T0), T0)).toBe('ok');
    const stored = (mfa.rows.get(ALICE) as { secret: string }).secret;
    expect(isSealed(stored)).toBe(true);
    expect(box.open(stored, ALICE)).toBe(SECRET);
  });
});

describe('TotpVerifier.sealStoredSecrets', () => {
  const key = (n: number) => encryptionKey(Buffer.alloc(32, n));

  it('encrypts plaintext secrets and re-encrypts those of a previous key, leaving current ones alone', async () => {
    const old = new SecretBox({ current: key(1), previous: [] });
    const box = new SecretBox({ current: key(2), previous: [key(1)] });
    const { mfa, store, verifier } = setup({ box });
    await mfa.setSecret(ALICE, SECRET, T0);
    await mfa.setSecret('bob@example.com', old.seal('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'bob@example.com'), T0);
    const carolSealed = box.seal('MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U', 'carol@example.com');
    await mfa.setSecret('carol@example.com', carolSealed, T0);

    expect(await verifier.sealStoredSecrets(store)).toEqual({ encrypted: 1, resealed: 1, unreadable: [] });
    for (const [id, secret] of [[ALICE, SECRET], ['bob@example.com', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ']] as const) {
      const stored = (mfa.rows.get(id) as { secret: string }).secret;
      expect(stored.split('.')[1]).toBe(box.currentKeyId);
      expect(box.open(stored, id)).toBe(secret);
    }
    expect(mfa.rows.get('carol@example.com')?.secret).toBe(carolSealed);
    expect(await verifier.sealStoredSecrets(store)).toEqual({ encrypted: 0, resealed: 0, unreadable: [] });
  });

  it('reports, and leaves as they are, secrets no key in the ring opens', async () => {
    const lost = new SecretBox({ current: key(9), previous: [] });
    const { mfa, store, verifier } = setup({ box: new SecretBox({ current: key(2), previous: [] }) });
    const sealed = lost.seal(SECRET, ALICE);
    await mfa.setSecret(ALICE, sealed, T0);
    expect(await verifier.sealStoredSecrets(store)).toEqual({ encrypted: 0, resealed: 0, unreadable: [ALICE] });
    expect(mfa.rows.get(ALICE)?.secret).toBe(sealed);
  });
});
