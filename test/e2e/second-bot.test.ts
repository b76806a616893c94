/**
 * A second bot started on an embedded database another bot holds: it stops before opening
 * anything and says who holds it and where, in words meant for whoever ran it (not the CLI's).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_KEYS } from '../../src/config/env.js';
import { ChildBot, freePort, killAllChildBots } from '../support/child-bot.js';
import { TEST_ENCRYPTION_KEY } from '../support/keys.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice }
roles:
  - name: Reader
    scopes: [/]
`;

const dir = mkdtempSync(join(tmpdir(), 'pimbot-second-'));
afterAll(async () => {
  await killAllChildBots();
  rmSync(dir, { recursive: true, force: true });
});

describe('a second bot on a claimed embedded database', () => {
  it('exits 1 saying "another pimbot (pid …) is running on <dir> — stop it first"', async () => {
    const pgliteDir = join(dir, 'pglite');
    const first = await ChildBot.start({ name: 'first', databaseUrl: '', config: CONFIG, env: { DATABASE_URL: undefined, PGLITE_DIR: pgliteDir } });

    const env: Record<string, string | undefined> = { ...process.env };
    for (const k of ENV_KEYS) delete env[k];
    Object.assign(env, { PIM_DEV_MODE: 'false', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PIM_CONFIG: first.configPath, PGLITE_DIR: pgliteDir, PORT: String(await freePort()), LOG_LEVEL: 'silent' });
    const second = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });

    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`pimbot cannot start: another pimbot (pid ${first.child.pid}) is running on ${pgliteDir} — stop it first\n`);
    // The first one is untouched.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    await first.stop();
  });
});
