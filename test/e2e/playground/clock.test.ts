/**
 * The playground's clock as a person uses it: a move is answered once what it made due has been
 * processed and delivered (the page clears its status line then), a step it cannot take is
 * answered in words for the person who typed it, and the bot time survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppHandle } from '../../../src/app.js';
import { loadEnv } from '../../../src/config/env.js';
import { loadDemoConfig } from '../../../src/config/pim-config.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { messageText, openEvents, type EventReader, type StreamEvent } from './harness.js';

interface Setup {
  bot: { id: string; name: string };
  tenantId: string;
  channelId: string;
  serviceUrl: string;
  messagesPath: string;
  users: { name: string; aadObjectId: string; accountId: string; conversationId: string }[];
}
interface ClockState {
  now: string;
  offsetMs: number;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

let database: TestDatabase;
let app: AppHandle;
let setup: Setup;
let events: EventReader;

const start = async () =>
  startApp({ env: loadEnv({ PIM_DEV_MODE: 'true', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }), config: await loadDemoConfig(), database, port: 0 });
const url = (path: string) => `${app.url}${path}`;
const move = (body: unknown) => fetch(url('/playground/clock'), json(body));
const clockNow = async () => (await (await fetch(url('/playground/clock'))).json()) as ClockState;

async function say(name: string, text: string): Promise<void> {
  const u = setup.users.find((x) => x.name === name) as Setup['users'][number];
  const res = await fetch(
    url(setup.messagesPath),
    json({
      type: 'message',
      id: `t-${Math.random().toString(16).slice(2)}`,
      text,
      textFormat: 'plain',
      channelId: setup.channelId,
      serviceUrl: setup.serviceUrl,
      from: { id: u.accountId, name: u.name, aadObjectId: u.aadObjectId },
      recipient: setup.bot,
      conversation: { id: u.conversationId, conversationType: 'personal', tenantId: setup.tenantId },
      channelData: { tenant: { id: setup.tenantId } },
    }),
  );
  expect(res.status).toBe(200);
}

const inDm = (name: string, pattern: RegExp) => (e: StreamEvent) =>
  e.event === 'message' && e.data.conversationId === setup.users.find((u) => u.name === name)?.conversationId && pattern.test(messageText(e.data));

describe('the playground clock', () => {
  beforeAll(async () => {
    database = await testDatabase();
    app = await start();
    setup = (await (await fetch(url('/playground/setup'))).json()) as Setup;
    events = await openEvents(app.url);
  });

  afterAll(async () => {
    events?.close();
    await app?.close();
    await database?.close();
  });

  it('answers a move once what came due is processed and delivered', async () => {
    await say('Alice', 'activate Contributor 1h --scope /subscriptions/dev --reason "deploy the fix"');
    await events.next(inDm('Alice', /Contributor/));
    const res = await move({ by: '1h' });
    expect(res.status).toBe(200);
    // Sent before the answer was: only the event stream's own way here is waited for.
    await events.next(inDm('Alice', /Contributor.*expired/), 200);
  });

  it('says "Write a step like 2h30m" for a step it cannot read, and names the limit for one too far', async () => {
    for (const by of ['soon', '', '2 hours', '-1h']) {
      const res = await move({ by });
      expect(res.status, by).toBe(400);
      expect(((await res.json()) as { error: string }).error, by).toBe('Write a step like 2h30m.');
    }
    const far = await move({ by: '400d' });
    expect(far.status).toBe(400);
    expect(((await far.json()) as { error: string }).error).toBe('Write a step of at most 366d.');
  });

  it('keeps the bot time across a restart', async () => {
    expect((await move({ by: '2d' })).status).toBe(200);
    const before = await clockNow();
    events.close();
    await app.close();
    app = await start();
    events = await openEvents(app.url);
    const after = await clockNow();
    expect(after.offsetMs).toBe(before.offsetMs);
    expect(new Date(after.now).getTime()).toBeGreaterThanOrEqual(new Date(before.now).getTime());
  });
});
