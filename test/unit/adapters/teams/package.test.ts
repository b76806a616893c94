/**
 * The Teams app package: scripts/teams-package.mjs fills the manifest from the environment and
 * zips it with real PNG icons of the sizes Teams requires.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const APP_ID = '9F0C1D2E-3B4A-4C5D-8E6F-708192A3B4C5';

/** Reads a zip's entries through its central directory. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Width, height, colour type and the RGBA pixels of an 8-bit RGBA PNG with filter 0 rows. */
function readPng(buf: Buffer): { width: number; height: number; colorType: number; pixel: (x: number, y: number) => number[] } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const colorType = buf[25] as number;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length; ) {
    const len = buf.readUInt32BE(at);
    if (buf.subarray(at + 4, at + 8).toString('ascii') === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const rows = inflateSync(Buffer.concat(idat));
  return { width, height, colorType, pixel: (x, y) => [...rows.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 1 + x * 4 + 4)] };
}

function build(env: Record<string, string>): { status: number | null; stderr: string; zip: Buffer | null } {
  const out = join(mkdtempSync(join(tmpdir(), 'pim-teams-')), 'app.zip');
  const r = spawnSync(process.execPath, ['scripts/teams-package.mjs', '--out', out], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  let zip: Buffer | null;
  try {
    zip = readFileSync(out);
  } catch {
    zip = null;
  }
  return { status: r.status, stderr: r.stderr, zip };
}

describe('teams-package', () => {
  const built = build({ TEAMS_APP_ID: APP_ID, PIM_PUBLIC_URL: 'https://pim.example.com/bot', TEAMS_DEVELOPER_NAME: 'Contoso "Ops"' });
  const files = unzip(built.zip as Buffer);

  it('zips manifest.json and the two icons at the root', () => {
    expect(built.status).toBe(0);
    expect([...files.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
  });

  it('fills every placeholder: app and bot id, version, domains, developer', () => {
    const m = JSON.parse((files.get('manifest.json') as Buffer).toString('utf8'));
    expect(JSON.stringify(m)).not.toContain('{{');
    expect(m.id).toBe(APP_ID.toLowerCase());
    expect(m.bots[0].botId).toBe(APP_ID.toLowerCase());
    expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.validDomains).toEqual(['pim.example.com']);
    expect(m.developer.name).toBe('Contoso "Ops"');
    expect(m.developer.websiteUrl).toBe('https://pim.example.com/bot');
  });

  it('declares a bot for personal, team and group chats with command lists within Teams limits', () => {
    const m = JSON.parse((files.get('manifest.json') as Buffer).toString('utf8'));
    expect(Number(m.manifestVersion)).toBeGreaterThanOrEqual(1.17);
    expect(m.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
    const scopes = m.bots[0].commandLists.flatMap((l: { scopes: string[] }) => l.scopes);
    expect(scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const list of m.bots[0].commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(c.title.length).toBeLessThanOrEqual(32);
        expect(c.description.length).toBeLessThanOrEqual(128);
      }
    }
    expect(m.name.short.length).toBeLessThanOrEqual(30);
    expect(m.description.short.length).toBeLessThanOrEqual(80);
  });

  it('ships a 192x192 colour icon and a 32x32 white-on-transparent outline icon', () => {
    const color = readPng(files.get('color.png') as Buffer);
    expect([color.width, color.height, color.colorType]).toEqual([192, 192, 6]);
    expect(color.pixel(0, 0)[3]).toBe(255);
    const outline = readPng(files.get('outline.png') as Buffer);
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    const pixels = Array.from({ length: 32 * 32 }, (_, i) => outline.pixel(i % 32, Math.floor(i / 32)));
    expect(pixels.every(([r, g, b]) => r === 255 && g === 255 && b === 255)).toBe(true);
    expect(pixels.some((p) => p[3] === 0)).toBe(true);
    expect(pixels.some((p) => p[3] === 255)).toBe(true);
  });

  it('is the same bytes for the same input', () => {
    const again = build({ TEAMS_APP_ID: APP_ID, PIM_PUBLIC_URL: 'https://pim.example.com/bot', TEAMS_DEVELOPER_NAME: 'Contoso "Ops"' });
    expect(again.zip?.equals(built.zip as Buffer)).toBe(true);
  });

  it('refuses to build without an app id and an https public URL, naming both', () => {
    const r = build({ PIM_PUBLIC_URL: 'http://pim.example.com' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/TEAMS_APP_ID/);
    expect(r.stderr).toMatch(/PIM_PUBLIC_URL/);
    expect(r.zip).toBeNull();
  });

  it('the committed icons are what the icon script draws', () => {
    const drawn = execFileSync(process.execPath, ['--input-type=module', '-e', "import { colorIcon, outlineIcon } from './manifest/teams/icons.mjs'; process.stdout.write(JSON.stringify([colorIcon().toString('base64'), outlineIcon().toString('base64')]))"], { encoding: 'utf8' });
    const [color, outline] = JSON.parse(drawn) as [string, string];
    expect(readFileSync('manifest/teams/color.png').toString('base64')).toBe(color);
    expect(readFileSync('manifest/teams/outline.png').toString('base64')).toBe(outline);
  });
});
