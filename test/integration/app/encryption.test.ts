/**
 * The encryption key at start (src/config/encryption-key.ts, src/app.ts): outside dev mode the bot
 * does not start without PIM_ENCRYPTION_KEY and says how to make one (in-process and as the real
 * process); dev mode makes a key once next to the PGlite directory and says so; plaintext secrets
 * left from before encryption are encrypted in place at start; a rotated key re-encrypts what the
 * previous one sealed; a secret no key opens is reported and refused, never guessed at.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { ENV_KEYS, loadEnv } from '../../../src/config/env.js';
import { isConfigError } from '../../../src/config/errors.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { rowsOf } from '../../../src/db/rows.js';
import { keyId } from '../../../src/mfa/secret-box.js';
import { totpAt } from '../../../src/mfa/totp.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { TEST_ENCRYPTION_KEY } from '../../support/keys.js';
import { MIN, pimConfigYaml } from '../../support/pim.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KEY_A = Buffer.alloc(32, 0xa1).toString('base64');
const KEY_B = Buffer.alloc(32, 0xb2).toString('hex');
const KEY_C = Buffer.alloc(32, 0xc3).toString('base64');
const ALICE = 'alice@example.com';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pim-keys-'));
});
afterAll(async () => {
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => truncateAll(database.db));

const config = () => parsePimConfig(pimConfigYaml(), 'pim.config.yaml', { env: {} });

/** A logger whose lines the test reads. */
function capture() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function start(env: Record<string, string>) {
  const log = capture();
  const app = await startApp({ env: loadEnv({ HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }), config: config(), database, port: 0, adapters: [], noDeadlineLoop: true, logger: log.logger });
  return { app, lines: log.lines };
}

const storedSecret = async (): Promise<string> => String(rowsOf<{ secret: string }>(await database.db.execute(sql`select secret from mfa_secrets where principal_id = ${ALICE}`))[0]?.secret);

describe('without PIM_ENCRYPTION_KEY', () => {
  it('startApp outside dev mode refuses with a ConfigError that says how to make a key', async () => {
    const err = await startApp({ env: loadEnv({ PIM_DEV_MODE: 'false', LOG_LEVEL: 'silent' }), config: config(), database, port: 0, adapters: [] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toMatch(/PIM_ENCRYPTION_KEY: required outside dev mode/);
    expect((err as Error).message).toContain('openssl rand -base64 32');
  });

  it('the real process exits 2 saying so, before it opens anything; a malformed key is named without being echoed', async () => {
    const run = (extra: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const env: Record<string, string | undefined> = { ...process.env };
        for (const k of ENV_KEYS) delete env[k];
        Object.assign(env, { PIM_DEV_MODE: 'false', PGLITE_DIR: join(dir, 'never-opened', 'pglite'), LOG_LEVEL: 'silent', ...extra });
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    const missing = await run({});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^pimbot cannot start: The environment is not valid/);
    expect(missing.stderr).toMatch(/PIM_ENCRYPTION_KEY: required outside dev mode.*openssl rand -base64 32/);
    expect(() => statSync(join(dir, 'never-opened'))).toThrow();

    const bad = await run({ PIM_ENCRYPTION_KEY: 'not-a-key-but-secret-looking' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PIM_ENCRYPTION_KEY: expected 32 random bytes in base64 \(44 characters\) or hex \(64 digits\)/);
    expect(bad.stderr).not.toContain('not-a-key-but-secret-looking');
  }, 60_000);

  it('dev mode makes a key once, next to the PGlite directory, says so, and uses it from then on', async () => {
    const pgliteDir = join(dir, 'dev', 'pglite');
    const first = await start({ PIM_DEV_MODE: 'true', PGLITE_DIR: pgliteDir });
    await first.app.close();
    const path = join(dir, 'dev', 'encryption.key');
    const key = readFileSync(path, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.lines.find((l) => /generated an encryption key for MFA secrets and kept it in/.test(l.msg))).toMatchObject({ level: 40, path });

    const second = await start({ PIM_DEV_MODE: 'true', PGLITE_DIR: pgliteDir });
    await second.app.pim.enrollMfa(second.app.pim.actorFor(ALICE, 'playground'), ALICE);
    await second.app.close();
    expect(readFileSync(path, 'utf8').trim()).toBe(key);
    expect(second.lines.some((l) => /generated/.test(l.msg))).toBe(false);
    expect(second.lines.some((l) => /MFA secrets are encrypted with the key in/.test(l.msg))).toBe(true);
    expect((await storedSecret()).split('.')[1]).toBe(keyId(Buffer.from(key, 'base64')));
  });
});

describe('stored secrets at start', () => {
  const activate = (app: Awaited<ReturnType<typeof start>>['app'], code: string) => app.pim.activate(app.pim.actorFor(ALICE, 'slack'), { role: 'MfaRole', durationMs: 30 * MIN, mfaCode: code });

  it('encrypts a plaintext secret from before encryption in place; the table then holds no plaintext, and its codes still work', async () => {
    await database.db.execute(sql`insert into mfa_secrets (principal_id, secret, enrolled_at) values (${ALICE}, ${SECRET}, now())`);
    const { app, lines } = await start({ PIM_DEV_MODE: 'false', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    try {
      const raw = JSON.stringify(rowsOf(await database.db.execute(sql`select * from mfa_secrets`)));
      expect(raw).not.toContain(SECRET);
      expect(await storedSecret()).toMatch(/^v1\.[0-9a-f]{16}\./);
      expect(lines.find((l) => /MFA secrets: 1 encrypted in place, 0 re-encrypted/.test(l.msg))).toMatchObject({ encrypted: 1, resealed: 0 });
      expect((await activate(app, totpAt(SECRET, app.clock.now()))).outcome).toBe('active');
    } finally {
      await app.close();
    }
  });

  it('re-encrypts with a new key what the previous one sealed (PIM_ENCRYPTION_PREVIOUS_KEYS)', async () => {
    const a = await start({ PIM_DEV_MODE: 'false', PIM_ENCRYPTION_KEY: KEY_A });
    const { secret } = await a.app.pim.enrollMfa(a.app.pim.actorFor('erin@example.com', 'cli'), ALICE);
    await a.app.close();
    expect((await storedSecret()).split('.')[1]).toBe(keyId(Buffer.from(KEY_A, 'base64')));

    const b = await start({ PIM_DEV_MODE: 'false', PIM_ENCRYPTION_KEY: KEY_B, PIM_ENCRYPTION_PREVIOUS_KEYS: `${KEY_C}, ${KEY_A}` });
    try {
      expect((await storedSecret()).split('.')[1]).toBe(keyId(Buffer.from(KEY_B, 'hex')));
      expect(b.lines.find((l) => /0 encrypted in place, 1 re-encrypted with the current key/.test(l.msg))).toBeDefined();
      expect((await activate(b.app, totpAt(secret, b.app.clock.now()))).outcome).toBe('active');
    } finally {
      await b.app.close();
    }
  });

  it('reports a secret no key opens, leaves it as it is, and refuses its codes as unreadable', async () => {
    const a = await start({ PIM_DEV_MODE: 'false', PIM_ENCRYPTION_KEY: KEY_A });
    const { secret } = await a.app.pim.enrollMfa(a.app.pim.actorFor('erin@example.com', 'cli'), ALICE);
    await a.app.close();
    const before = await storedSecret();

    const c = await start({ PIM_DEV_MODE: 'false', PIM_ENCRYPTION_KEY: KEY_C });
    try {
      expect(c.lines.find((l) => l.level === 50 && /neither PIM_ENCRYPTION_KEY nor in PIM_ENCRYPTION_PREVIOUS_KEYS/.test(l.msg))).toMatchObject({ principals: [ALICE] });
      expect(await storedSecret()).toBe(before);
      await expect(activate(c.app, totpAt(secret, c.app.clock.now()))).rejects.toMatchObject({ code: 'mfa_unreadable' });
    } finally {
      await c.app.close();
    }
  });
});
