/** The terminal QR code `pim mfa enroll` prints: a well-formed QR symbol, drawn two rows to a line. */
import { describe, expect, it } from 'vitest';
import { qrModules, terminalQr } from '../../../src/cli/qr.js';

const URI = 'otpauth://totp/pimbot:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=pimbot&algorithm=SHA1&digits=6&period=30';

describe('terminal QR', () => {
  it('is a square symbol inside a 4-module quiet zone, with its three finder patterns', () => {
    const m = qrModules(URI);
    const size = m.length;
    expect(m.every((row) => row.length === size)).toBe(true);
    const n = size - 8;
    expect((n - 17) % 4).toBe(0); // a QR version: 21, 25, 29, ... modules
    const light = (r: number, c: number) => !m[r]?.[c];
    for (let k = 0; k < size; k++) for (let q = 0; q < 4; q++) expect(light(q, k) && light(size - 1 - q, k) && light(k, q) && light(k, size - 1 - q)).toBe(true);
    // A finder pattern: a dark 7x7 ring, a light ring, a dark 3x3 core.
    for (const [r0, c0] of [[4, 4], [4, 4 + n - 7], [4 + n - 7, 4]] as const) {
      for (let i = 0; i < 7; i++) {
        expect(m[r0]?.[c0 + i] && m[r0 + 6]?.[c0 + i] && m[r0 + i]?.[c0] && m[r0 + i]?.[c0 + 6]).toBe(true);
      }
      expect(m[r0 + 1]?.[c0 + 1]).toBe(false);
      expect(m[r0 + 3]?.[c0 + 3]).toBe(true);
    }
  });

  it('draws two module rows per line, every line as wide as the symbol, black on white', () => {
    const m = qrModules(URI);
    const lines = terminalQr(URI).trimEnd().split('\n');
    expect(lines).toHaveLength(Math.ceil(m.length / 2));
    for (const [i, line] of lines.entries()) {
      const cells = line.replace('\x1b[30;47m', '').replace('\x1b[0m', '');
      expect([...cells]).toHaveLength(m.length);
      const top = m[2 * i] as boolean[];
      const bottom = m[2 * i + 1] ?? top.map(() => false);
      expect([...cells]).toEqual(top.map((d, c) => (d && bottom[c] ? '█' : d ? '▀' : bottom[c] ? '▄' : ' ')));
    }
  });
});
