import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  generateSecret,
  hotp,
  otpauthUri,
  timeStep,
  totpAt,
  verifyTotp,
} from '../../../src/mfa/totp.js';

// RFC 6238 appendix B and RFC 4226 appendix D use the ASCII key "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const at = (unixSeconds: number): Date => new Date(unixSeconds * 1000);

describe('base32', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes the RFC 4648 vector %j as %s (unpadded)', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain, 'ascii'))).toBe(encoded);
    expect(base32Decode(encoded).toString('ascii')).toBe(plain);
  });

  it('encodes the RFC 6238 key as the well-known secret', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('decodes lower case, padding, spaces and dashes', () => {
    expect(base32Decode('mzxw 6ytb-oi======').toString('ascii')).toBe('foobar');
  });

  it('rejects characters outside the alphabet', () => {
    expect(() => base32Decode('MZXW1')).toThrow(/invalid base32/);
  });

  it('round-trips arbitrary bytes', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (let n = 0; n <= 40; n++) {
      expect(base32Decode(base32Encode(bytes.subarray(0, n)))).toEqual(bytes.subarray(0, n));
    }
  });
});

describe('generateSecret', () => {
  it('makes 20 random bytes as 32 base32 characters', () => {
    const s = generateSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(s)).toHaveLength(20);
  });

  it('makes a different secret each time', () => {
    expect(generateSecret()).not.toBe(generateSecret());
  });
});

describe('hotp (RFC 4226 appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  it.each(expected.map((code, counter) => [counter, code] as const))('counter %i -> %s', (counter, code) => {
    expect(hotp(RFC_SECRET, counter)).toBe(code);
  });
});

describe('totpAt (RFC 6238 appendix B, SHA1)', () => {
  it.each([
    [59, '0000000000000001', '94287082'],
    [1111111109, '00000000023523EC', '07081804'],
    [1111111111, '00000000023523ED', '14050471'],
    [1234567890, '000000000273EF07', '89005924'],
    [2000000000, '0000000003F940AA', '69279037'],
    [20000000000, '0000000027BC86AA', '65353130'],
  ])('T=%i (step %s) -> %s', (seconds, hexStep, code) => {
    expect(timeStep(at(seconds))).toBe(parseInt(hexStep, 16));
    expect(totpAt(RFC_SECRET, at(seconds), { digits: 8 })).toBe(code);
  });

  it('gives 6 digits by default: the last six of the 8-digit value', () => {
    expect(totpAt(RFC_SECRET, at(59))).toBe('287082');
    expect(totpAt(RFC_SECRET, at(1111111109))).toBe('081804');
  });

  it('keeps the same code for the whole 30-second step', () => {
    expect(totpAt(RFC_SECRET, at(60))).toBe(totpAt(RFC_SECRET, at(89)));
    expect(totpAt(RFC_SECRET, at(89))).not.toBe(totpAt(RFC_SECRET, at(90)));
  });

  it('honours another step length', () => {
    expect(timeStep(at(119), 60)).toBe(1);
    expect(totpAt(RFC_SECRET, at(119), { stepSeconds: 60 })).toBe(hotp(RFC_SECRET, 1));
  });

  it('rejects a digit count outside 6..10', () => {
    expect(() => totpAt(RFC_SECRET, at(59), { digits: 4 })).toThrow(/digits/);
  });
});

describe('verifyTotp', () => {
  const now = new Date('2025-06-01T12:00:10Z');
  const step = timeStep(now);
  const codeAt = (s: number): string => hotp(RFC_SECRET, s);

  it('returns the current step for the current code', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(step), now)).toBe(step);
  });

  it('accepts the previous and the next step within the default window', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(step - 1), now)).toBe(step - 1);
    expect(verifyTotp(RFC_SECRET, codeAt(step + 1), now)).toBe(step + 1);
  });

  it('refuses a code two steps away with window 1 and accepts it with window 2', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(step - 2), now)).toBeNull();
    expect(verifyTotp(RFC_SECRET, codeAt(step - 2), now, 2)).toBe(step - 2);
  });

  it('accepts only the current step with window 0', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(step), now, 0)).toBe(step);
    expect(verifyTotp(RFC_SECRET, codeAt(step - 1), now, 0)).toBeNull();
  });

  it('refuses a wrong code', () => {
    const wrong = String((Number(codeAt(step)) + 1) % 1_000_000).padStart(6, '0');
    expect(verifyTotp(RFC_SECRET, wrong, now)).toBeNull();
  });

  it('ignores spaces around and inside the code', () => {
    const c = codeAt(step);
    expect(verifyTotp(RFC_SECRET, ` ${c} `, now)).toBe(step);
    expect(verifyTotp(RFC_SECRET, `${c.slice(0, 3)} ${c.slice(3)}`, now)).toBe(step);
  });

  it.each(['', '12345', '1234567', 'abcdef', '12345a', '-12345', '+123456', '１２３４５６'])(
    'refuses the malformed code %j',
    (code) => {
      expect(verifyTotp(RFC_SECRET, code, now)).toBeNull();
    },
  );

  it('refuses the 8-digit form of a valid code', () => {
    expect(verifyTotp(RFC_SECRET, hotp(RFC_SECRET, step, 8), now)).toBeNull();
  });

  it('rejects a nonsensical window', () => {
    expect(() => verifyTotp(RFC_SECRET, '123456', now, -1)).toThrow(/window/);
    expect(() => verifyTotp(RFC_SECRET, '123456', now, 1.5)).toThrow(/window/);
  });
});

describe('otpauthUri', () => {
  it('builds the key URI with issuer label and parameters', () => {
    expect(otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'alice@example.com', issuer: 'pimbot' })).toBe(
      'otpauth://totp/pimbot:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=pimbot&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('defaults the issuer to pimbot', () => {
    expect(otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'bob' })).toContain('totp/pimbot:bob?');
  });

  it('percent-encodes spaces, colons, ampersands and other reserved characters', () => {
    const uri = otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'a b:c&d?e/f#g', issuer: 'Acme & Co: PIM' });
    expect(uri).toBe(
      'otpauth://totp/Acme%20%26%20Co%3A%20PIM:a%20b%3Ac%26d%3Fe%2Ff%23g' +
        '?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20%26%20Co%3A%20PIM&algorithm=SHA1&digits=6&period=30',
    );
    expect(uri).not.toContain('+');
    const url = new URL(uri);
    expect(url.searchParams.get('issuer')).toBe('Acme & Co: PIM');
  });
});
