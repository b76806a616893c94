#!/usr/bin/env node
// Draws the Teams app icons: color.png (192x192, white padlock on pimbot blue) and outline.png
// (32x32, white padlock on transparent), as real PNGs written with zlib. Run it after changing
// the drawing: `node manifest/teams/icons.mjs`. The PNGs are committed next to manifest.json.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

const BLUE = [0x2f, 0x55, 0x97];

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGBA image as PNG: 8-bit, colour type 6, no interlace, filter 0 on every row. */
export function png(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The padlock in unit coordinates: 1 inside the white shape, 0 outside (the keyhole is outside). */
function padlock(x, y) {
  const inRoundRect = (x0, y0, x1, y1, r) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  const keyhole = (x - 0.5) ** 2 + (y - 0.6) ** 2 <= 0.055 ** 2 || (Math.abs(x - 0.5) <= 0.025 && y >= 0.6 && y <= 0.72);
  if (keyhole) return false;
  if (inRoundRect(0.24, 0.44, 0.76, 0.84, 0.07)) return true;
  const d = Math.hypot(x - 0.5, y - 0.44);
  if (y <= 0.44 && d >= 0.12 && d <= 0.2) return true; // shackle arc
  return y > 0.44 && y <= 0.5 && ((x >= 0.3 && x <= 0.38) || (x >= 0.62 && x <= 0.7)); // shackle legs
}

/** Renders with 4x4 supersampling; `paint(coverage)` gives the pixel's RGBA. */
function render(size, paint) {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < n; sy++) for (let sx = 0; sx < n; sx++) if (padlock((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)) hits++;
      out.set(paint(hits / (n * n)), (py * size + px) * 4);
    }
  }
  return out;
}

const mix = (a, b, t) => Math.round(a + (b - a) * t);

export function colorIcon() {
  return png(192, 192, render(192, (c) => [mix(BLUE[0], 255, c), mix(BLUE[1], 255, c), mix(BLUE[2], 255, c), 255]));
}

export function outlineIcon() {
  return png(32, 32, render(32, (c) => [255, 255, 255, Math.round(255 * c)]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('./', import.meta.url);
  writeFileSync(new URL('color.png', dir), colorIcon());
  writeFileSync(new URL('outline.png', dir), outlineIcon());
  console.log('wrote manifest/teams/color.png (192x192) and manifest/teams/outline.png (32x32)');
}
