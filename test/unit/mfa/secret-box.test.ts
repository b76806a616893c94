/** AES-256-GCM for TOTP secrets at rest: round trip, a fresh IV each time, and every way a sealed value must not open. */
import { describe, expect, it } from 'vitest';
import { encryptionKey, isSealed, keyId, SecretBox, SecretBoxError, sealedKeyId } from '../../../src/mfa/secret-box.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ALICE = 'alice@example.com';
const key = (n: number) => encryptionKey(Buffer.alloc(32, n));
const boxOf = (current: number, ...previous: number[]) => new SecretBox({ current: key(current), previous: previous.map(key) });

/** Flips one bit of one part of a sealed value (1 iv, 2 tag, 3 ciphertext; 0 the key id is not base64). */
function flip(sealed: string, part: 2 | 3 | 4): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part] as string, 'base64url');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

function refusal(f: () => unknown): SecretBoxError {
  try {
    f();
  } catch (e) {
    if (e instanceof SecretBoxError) return e;
    throw e;
  }
  throw new Error('expected the sealed value to be refused');
}

describe('SecretBox', () => {
  it('opens what it sealed, for the same principal', () => {
    const box = boxOf(1);
    const sealed = box.seal(SECRET, ALICE);
    expect(box.open(sealed, ALICE)).toBe(SECRET);
    expect(box.open(sealed, 'Alice@Example.com')).toBe(SECRET);
  });

  it('writes v1, the key id, IV, tag and ciphertext, none of it the secret', () => {
    const box = boxOf(1);
    const sealed = box.seal(SECRET, ALICE);
    const [version, id, iv, tag] = sealed.split('.');
    expect(version).toBe('v1');
    expect(id).toBe(keyId(Buffer.alloc(32, 1)));
    expect(Buffer.from(iv as string, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag as string, 'base64url')).toHaveLength(16);
    expect(sealed).not.toContain(SECRET);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe(id);
  });

  it('uses a new random IV every time: the same secret seals differently', () => {
    const box = boxOf(1);
    const seals = new Set(Array.from({ length: 50 }, () => box.seal(SECRET, ALICE)));
    expect(seals.size).toBe(50);
    expect(new Set([...seals].map((s) => s.split('.')[2])).size).toBe(50);
  });

  it.each([
    ['the IV', 2],
    ['the auth tag', 3],
    ['the ciphertext', 4],
  ] as const)('refuses a value whose %s was altered', (_what, part) => {
    const box = boxOf(1);
    const e = refusal(() => box.open(flip(box.seal(SECRET, ALICE), part), ALICE));
    expect(e.reason).toBe('tampered');
  });

  it('refuses a value moved to another principal (the principal is authenticated data)', () => {
    const box = boxOf(1);
    expect(refusal(() => box.open(box.seal(SECRET, 'mallory@example.com'), ALICE)).reason).toBe('tampered');
  });

  it('refuses the wrong key: one it does not hold, and one whose id was forged onto the value', () => {
    const sealed = boxOf(1).seal(SECRET, ALICE);
    expect(refusal(() => boxOf(2).open(sealed, ALICE)).reason).toBe('unknown_key');
    const forged = sealed.replace(keyId(Buffer.alloc(32, 1)), keyId(Buffer.alloc(32, 2)));
    expect(refusal(() => boxOf(2).open(forged, ALICE)).reason).toBe('tampered');
  });

  it('refuses plaintext and malformed values', () => {
    const box = boxOf(1);
    expect(refusal(() => box.open(SECRET, ALICE)).reason).toBe('malformed');
    expect(refusal(() => box.open(`v1.${box.currentKeyId}.AAAA.AAAA.AAAA`, ALICE)).reason).toBe('malformed');
    expect(isSealed(SECRET)).toBe(false);
  });

  it('rotates: a previous key still opens, the current one seals, needsReseal finds the rest', () => {
    const before = boxOf(1);
    const after = boxOf(2, 1);
    const old = before.seal(SECRET, ALICE);
    expect(after.open(old, ALICE)).toBe(SECRET);
    expect(after.needsReseal(old)).toBe(true);
    expect(after.needsReseal(SECRET)).toBe(true);
    const resealed = after.seal(SECRET, ALICE);
    expect(after.needsReseal(resealed)).toBe(false);
    expect(sealedKeyId(resealed)).toBe(after.currentKeyId);
    expect(after.canOpen(old)).toBe(true);
    expect(boxOf(3).canOpen(old)).toBe(false);
  });

  it('takes only 32-byte keys, and finds a lazy key only when first used', () => {
    expect(() => encryptionKey(Buffer.alloc(16))).toThrow(/32 bytes/);
    let asked = 0;
    const box = new SecretBox(() => {
      asked++;
      return { current: key(1), previous: [] };
    });
    expect(asked).toBe(0);
    box.open(box.seal(SECRET, ALICE), ALICE);
    expect(asked).toBe(1);
  });
});
