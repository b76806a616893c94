/**
 * A QR code for a terminal, so `pim mfa enroll` can be scanned straight from the screen. Two rows
 * of modules per line of text (half blocks), drawn black on white with ANSI colours whatever the
 * terminal's own colours, inside the quiet zone of 4 modules scanners expect.
 */
import qrcode from 'qrcode-generator';

const QUIET = 4;
const BLACK_ON_WHITE = '\x1b[30;47m';
const RESET = '\x1b[0m';

/** The modules of `text`'s QR code (error correction M), quiet zone included: true is dark. */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n + 2 * QUIET }, (_, r) =>
    Array.from({ length: n + 2 * QUIET }, (_, c) => {
      const row = r - QUIET;
      const col = c - QUIET;
      return row >= 0 && col >= 0 && row < n && col < n && qr.isDark(row, col);
    }),
  );
}

/** `text` as a QR code in terminal text, one line per two module rows. */
export function terminalQr(text: string): string {
  const m = qrModules(text);
  const lines: string[] = [];
  for (let r = 0; r < m.length; r += 2) {
    const top = m[r] as boolean[];
    const bottom = m[r + 1] ?? top.map(() => false);
    // The foreground (black) draws dark modules: ▀ dark above, ▄ dark below, █ both.
    const cells = top.map((dark, c) => (dark && bottom[c] ? '█' : dark ? '▀' : bottom[c] ? '▄' : ' ')).join('');
    lines.push(`${BLACK_ON_WHITE}${cells}${RESET}`);
  }
  return `${lines.join('\n')}\n`;
}
