#!/usr/bin/env node
// Builds the Teams app package: fills manifest/teams/manifest.json's {{placeholders}} from the
// environment and zips it with the two icons into dist/pimbot-teams.zip (or --out <file>).
//
//   TEAMS_APP_ID=<bot app id> PIM_PUBLIC_URL=https://pim.example.com node scripts/teams-package.mjs
//
// Optional: TEAMS_APP_VERSION (default: package.json version), TEAMS_DEVELOPER_NAME (default
// pimbot), TEAMS_PRIVACY_URL and TEAMS_TERMS_URL (default: PIM_PUBLIC_URL).
// The zip is written here with zlib (no zip tool needed) and is the same bytes for the same input.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(root, 'manifest/teams');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(problems) {
  console.error(`Cannot build the Teams app package:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

function httpsUrl(key, value, problems) {
  try {
    const u = new URL(value);
    if (u.protocol !== 'https:') throw new Error('not https');
    return u;
  } catch {
    problems.push(`${key}: expected an https URL like https://pim.example.com, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    return null;
  }
}

export function placeholders(env) {
  const problems = [];
  const appId = env.TEAMS_APP_ID?.trim();
  if (!appId || !GUID.test(appId)) problems.push(`TEAMS_APP_ID: expected the bot's Microsoft App ID (a GUID), got ${appId ? JSON.stringify(appId) : 'nothing'}`);
  const pub = httpsUrl('PIM_PUBLIC_URL', env.PIM_PUBLIC_URL?.trim(), problems);
  const privacy = env.TEAMS_PRIVACY_URL?.trim() ? httpsUrl('TEAMS_PRIVACY_URL', env.TEAMS_PRIVACY_URL.trim(), problems) : pub;
  const terms = env.TEAMS_TERMS_URL?.trim() ? httpsUrl('TEAMS_TERMS_URL', env.TEAMS_TERMS_URL.trim(), problems) : pub;
  const version = env.TEAMS_APP_VERSION?.trim() || JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version;
  if (!/^\d+\.\d+\.\d+$/.test(version)) problems.push(`TEAMS_APP_VERSION: expected a version like 1.0.0, got ${JSON.stringify(version)}`);
  if (problems.length) fail(problems);
  return {
    TEAMS_APP_ID: appId.toLowerCase(),
    APP_VERSION: version,
    DEVELOPER_NAME: env.TEAMS_DEVELOPER_NAME?.trim() || 'pimbot',
    PUBLIC_URL: pub.href,
    PUBLIC_HOST: pub.host,
    PRIVACY_URL: privacy.href,
    TERMS_URL: terms.href,
  };
}

export function fillManifest(template, values) {
  // Values are JSON-escaped, so a name with quotes cannot break the manifest.
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (m, key) => (key in values ? JSON.stringify(values[key]).slice(1, -1) : m));
  const left = text.match(/\{\{[A-Z_]+\}\}/g);
  if (left) fail([`manifest.json: no value for ${[...new Set(left)].join(', ')}`]);
  JSON.parse(text);
  return text;
}

/** A zip of `files` ({ name, data }) with deflated entries, fixed timestamps (1 Jan 2000). */
export function zip(files) {
  const DOS_TIME = 0;
  const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of files) {
    const nameBuf = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    locals.push(local, nameBuf, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : resolve(root, 'dist/pimbot-teams.zip');
  const manifest = fillManifest(readFileSync(resolve(dir, 'manifest.json'), 'utf8'), placeholders(process.env));
  const archive = zip([
    { name: 'manifest.json', data: Buffer.from(manifest, 'utf8') },
    { name: 'color.png', data: readFileSync(resolve(dir, 'color.png')) },
    { name: 'outline.png', data: readFileSync(resolve(dir, 'outline.png')) },
  ]);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, archive);
  console.log(`wrote ${out}: manifest.json (app ${JSON.parse(manifest).id}, version ${JSON.parse(manifest).version}), color.png, outline.png`);
}
