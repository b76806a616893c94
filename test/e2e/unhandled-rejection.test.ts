/**
 * The real bot as a child process (src/main.ts, test/support/child-bot.ts) survives a promise
 * rejection nobody handles: it logs it at error level and keeps serving Slack and /healthz.
 * Node's default would have ended the process. Runs on PostgreSQL with TEST_DATABASE_URL, on
 * PGlite (in a temporary directory) otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChildBot, killAllChildBots } from '../support/child-bot.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { eventually, FakeSlack, textOf } from '../support/fake-slack.js';
import { TEST_ENCRYPTION_KEY } from '../support/keys.js';

const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
admins: [alice@example.com]
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Reader, type: eligible }
`;
const PRELOAD = new URL('../support/reject-on-signal.ts', import.meta.url).href;

let database: TestDatabase | undefined;
let fake: FakeSlack;
let pgliteDir: string | undefined;

describe('an unhandled promise rejection in the bot process', () => {
  beforeAll(async () => {
    fake = await FakeSlack.start();
    if (process.env.TEST_DATABASE_URL) database = await testDatabase();
    else pgliteDir = mkdtempSync(join(tmpdir(), 'pimbot-rejection-'));
  });
  afterEach(killAllChildBots);
  afterAll(async () => {
    await killAllChildBots();
    await fake?.close();
    await database?.close();
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  });

  it('is logged at error level, and the bot keeps serving', async () => {
    const bot = await ChildBot.start({
      name: 'bot',
      databaseUrl: database?.url ?? '',
      config: CONFIG,
      fake,
      nodeArgs: ['--import', PRELOAD],
      env: { PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...(pgliteDir ? { DATABASE_URL: undefined, PGLITE_DIR: join(pgliteDir, 'db') } : {}) },
    });
    const alice = { id: 'U0ALICE', name: 'alice' };

    const rejections = () => bot.logsAtLeast(50).filter((l) => l.msg.startsWith('unhandled promise rejection'));
    bot.child.kill('SIGUSR2');
    const line = await bot.waitForLog('unhandled promise rejection');
    expect(line.level).toBe(50);
    expect((line.err as { message?: string } | undefined)?.message).toContain('a library left this promise rejected');

    expect(bot.running).toBe(true);
    expect((await bot.fetch('/healthz')).status).toBe(200);
    const sent = await bot.slack().command(alice, 'activate Reader 1h');
    expect(sent.status).toBe(200);
    expect(textOf((await fake.waitForResponse(sent.responseId)).body.blocks)).toMatch(/Reader/);

    // A second one, after it served: the same, one log line each.
    bot.child.kill('SIGUSR2');
    await eventually(() => rejections().length === 2, 'the second rejection to be logged');
    expect((await bot.fetch('/healthz')).status).toBe(200);
    expect(bot.running).toBe(true);
  });
});
