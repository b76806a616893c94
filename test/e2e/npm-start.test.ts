/**
 * README's first command as a process manager runs it: `npm start` (its build step included) on
 * the embedded database in a temporary directory, then SIGTERM to the npm process only, as
 * systemd, a container runtime or a terminal multiplexer sends it. The bot must get the signal
 * and stop: nothing may be left holding the port or the embedded database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV_KEYS } from '../../src/config/env.js';
import { lockPathOf } from '../../src/db/pglite-lock.js';
import { freePort } from '../support/child-bot.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let npm: ChildProcess | undefined;
let dir: string | undefined;

/** The bot's pid, as its claim on the embedded database names it. */
function botPid(pgliteDir: string): number | null {
  try {
    return (JSON.parse(readFileSync(lockPathOf(pgliteDir), 'utf8')) as { pid: number }).pid;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when nothing listens on 127.0.0.1:`port` (this process can bind it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

afterEach(() => {
  // Whatever a failed run left behind: the bot (found through its claim) and npm.
  const pid = dir ? botPid(join(dir, 'pglite')) : null;
  if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
  if (npm && npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  npm = undefined;
  dir = undefined;
});

describe('npm start', () => {
  it('stops on SIGTERM sent to npm: within 10 s nothing holds the port or the embedded database', { timeout: 180_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'pimbot-npm-start-'));
    const pgliteDir = join(dir, 'pglite');
    const port = await freePort();
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of ENV_KEYS) delete env[key];
    // Dev mode on the demo config (PIM_CONFIG names a file that is not there), as on a fresh clone.
    Object.assign(env, { PGLITE_DIR: pgliteDir, PORT: String(port), HOST: '127.0.0.1', PIM_CONFIG: join(dir, 'pim.config.yaml'), LOG_LEVEL: 'info' });

    const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    npm = child;
    let output = '';
    const listening = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('pimbot listening on')) resolve();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code, signal) => reject(new Error(`npm start ended (${code ?? signal}) before the bot listened:\n${output}`)));
    });
    await listening;
    const pid = botPid(pgliteDir);
    expect(pid, 'the bot claims the embedded database').not.toBeNull();
    expect(await portFree(port)).toBe(false);

    child.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    let released = false;
    while (Date.now() < deadline) {
      if (!alive(pid as number) && (await portFree(port))) {
        released = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(released, `the bot (pid ${pid}) still runs or the port is held 10 s after SIGTERM to npm:\n${output}`).toBe(true);
    expect(existsSync(lockPathOf(pgliteDir)), 'the claim on the embedded database is released').toBe(false);
    // Everything it wrote has been read once the pipes close.
    if (child.stdout.readable) await new Promise((r) => child.once('close', r));
    expect(output).toContain('stopped cleanly');
  });
});
