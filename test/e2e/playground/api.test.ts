/**
 * The playground without a browser: the page and its files, the Bot Connector emulator the Teams
 * adapter answers through, the event stream that carries proactive messages, the clock, and that
 * none of it exists outside dev mode.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playgroundAdapter } from '../../../adapters/playground/index.js';
import { startApp } from '../../../src/app.js';
import { OffsetClock } from '../../../src/clock.js';
import { loadEnv } from '../../../src/config/env.js';
import { loadDemoConfig } from '../../../src/config/pim-config.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { TEST_ENCRYPTION_KEY } from '../../support/keys.js';
import { messageText, openEvents, startPlayground, type EventReader, type Playground, type StreamEvent } from './harness.js';

const MINUTE = 60_000;

interface Setup {
  bot: { id: string; name: string };
  tenantId: string;
  channelId: string;
  serviceUrl: string;
  messagesPath: string;
  invokeName: string;
  users: { id: string; name: string; aadObjectId: string; accountId: string; duty: string; description: string; conversationId: string }[];
  places: { key: string; label: string; conversationId: string }[];
  clock: { now: string; offsetMs: number; canTravel: boolean };
}

let pg: Playground;
let setup: Setup;
let events: EventReader;

const url = (path: string) => `${pg.app.url}${path}`;
const json = (body: unknown, method = 'POST'): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const user = (name: string) => setup.users.find((u) => u.name === name) as Setup['users'][number];
const place = (key: string) => setup.places.find((p) => p.key === key) as Setup['places'][number];

/** A message activity as the page sends it: from `who`, in their DM or a channel. */
function message(who: string, text: string, where: 'dm' | string = 'dm'): Record<string, unknown> {
  const u = user(who);
  const p = where === 'dm' ? null : place(where);
  return {
    type: 'message',
    id: `t-${Math.random().toString(16).slice(2)}`,
    text,
    textFormat: 'plain',
    channelId: setup.channelId,
    serviceUrl: setup.serviceUrl,
    from: { id: u.accountId, name: u.name, aadObjectId: u.aadObjectId },
    recipient: setup.bot,
    conversation: p ? { id: p.conversationId, conversationType: 'channel', isGroup: true, tenantId: setup.tenantId } : { id: u.conversationId, conversationType: 'personal', tenantId: setup.tenantId },
    channelData: { tenant: { id: setup.tenantId }, ...(p ? { channel: { id: p.conversationId } } : {}) },
  };
}

const say = async (who: string, text: string, where: 'dm' | string = 'dm') => {
  const res = await fetch(url(setup.messagesPath), json(message(who, text, where)));
  expect(res.status).toBe(200);
};

const posted = (conversationId: string, pattern: RegExp) => (e: StreamEvent) =>
  e.event === 'message' && e.data.conversationId === conversationId && pattern.test(messageText(e.data));

/** A request with any Host header (fetch will not send a forged one). */
function getWithHost(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url(path));
    const req = request({ hostname: target.hostname, port: target.port, path: target.pathname, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the playground in dev mode', () => {
  beforeAll(async () => {
    pg = await startPlayground();
    setup = (await (await fetch(url('/playground/setup'))).json()) as Setup;
    events = await openEvents(pg.app.url);
  });
  afterAll(async () => {
    events?.close();
    await pg?.close();
  });

  it('serves the page under a strict content security policy, its script, and the real Adaptive Cards bundle', async () => {
    const page = await fetch(url('/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe/);
    const html = await page.text();
    expect(html).toContain('/playground/adaptivecards.js');
    expect(html).toContain('/playground/app.js');

    const bundle = await fetch(url('/playground/adaptivecards.js'));
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('AdaptiveCard');
    for (const file of ['/playground/app.js', '/playground/markdown.js', '/playground/app.css']) expect((await fetch(url(file))).status).toBe(200);
    expect((await fetch(url('/playground/../package.json'))).status).toBe(404);
  });

  it('offers the demo people, each with what they do, their chats and the channels', () => {
    expect(setup.users.map((u) => `${u.name} (${u.duty})`)).toEqual(['Alice (engineer)', 'Bob (engineer)', 'Carol (approver)', 'Dave (reviewer)', 'Erin (admin)']);
    for (const u of setup.users) {
      expect(u.description.length).toBeGreaterThan(10);
      expect(u.conversationId).toMatch(/^a:pg-dm-/);
    }
    expect(setup.places).toEqual([
      expect.objectContaining({ key: 'approvals', label: '#approvals', conversationId: '19:approvals@thread.tacv2' }),
      expect.objectContaining({ key: 'security', label: '#security', conversationId: '19:security@thread.tacv2' }),
    ]);
    expect(setup.channelId).toBe('playground');
    expect(setup.serviceUrl).toBe(`${pg.app.url}/playground/connector/`);
    expect(setup.clock.canTravel).toBe(true);
  });

  it('opens the event stream with a snapshot of every conversation and the clock', async () => {
    const snapshot = await events.next((e) => e.event === 'snapshot');
    expect(snapshot.data.conversations).toBeTypeOf('object');
    expect(snapshot.data.clock).toMatchObject({ canTravel: true });
  });

  it('was announced at start, so an approval card reaches #approvals proactively, live on the stream', async () => {
    const approvals = place('approvals').conversationId;
    await say('Alice', '/pim activate Owner 1h --reason "fix the outage" --ticket INC-42');
    const card = await events.next(posted(approvals, /Alice.*asks to activate.*Owner/));
    expect(card.data.from.isBot).toBe(true);
    expect(JSON.stringify(card.data.attachments[0].content)).toContain('Action.Execute');
    // The reply to the command, in Alice's chat.
    await events.next(posted(user('Alice').conversationId, /waiting for approval/));
  });

  it('answers a card button (adaptiveCard/action invoke) with the updated card in the HTTP response, and updates the channel copy', async () => {
    const approvals = place('approvals').conversationId;
    const card = await events.next(posted(approvals, /Alice.*asks to activate.*Owner/));
    const approve = card.data.attachments[0].content.actions.find((a: any) => a.title === 'Approve');
    const carol = user('Carol');
    const res = await fetch(
      url(setup.messagesPath),
      json({
        ...message('Carol', '', 'approvals'),
        type: 'invoke',
        name: setup.invokeName,
        replyToId: card.data.id,
        value: { action: { type: 'Action.Execute', verb: approve.verb, data: approve.data }, trigger: 'manual' },
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(messageText({ attachments: [{ content: body.value }] })).toMatch(/Approved by \*\*Carol\*\*/);
    // The outbox updates the posted card through the emulator (PUT), which streams it.
    await events.next((e) => e.event === 'update' && e.data.id === card.data.id && /Approved/.test(messageText(e.data)));
    await events.next(posted(user('Alice').conversationId, /Carol.*approved your request/));
    expect(carol.duty).toBe('approver');
  });

  it('moves the clock: the activation expires and the expiry notice arrives in the DM', async () => {
    const before = pg.app.clock.now().getTime();
    const res = await fetch(url('/playground/clock'), json({ by: '1h' }));
    expect(res.status).toBe(200);
    const state = (await res.json()) as { now: string; offsetMs: number };
    expect(state.offsetMs).toBeGreaterThanOrEqual(60 * MINUTE);
    expect(new Date(state.now).getTime() - before).toBeGreaterThanOrEqual(60 * MINUTE);
    expect(pg.app.clock).toBeInstanceOf(OffsetClock);
    await events.next((e) => e.event === 'clock' && e.data.offsetMs === state.offsetMs);
    await events.next(posted(user('Alice').conversationId, /Owner.*expired/), 15_000);
  });

  it('moves the clock with a number of milliseconds too, and refuses what is not a forward move', async () => {
    const { offsetMs } = (await (await fetch(url('/playground/clock'))).json()) as { offsetMs: number };
    const ok = await fetch(url('/playground/clock'), json({ ms: 10 * MINUTE }));
    expect(((await ok.json()) as { offsetMs: number }).offsetMs).toBe(offsetMs + 10 * MINUTE);
    for (const bad of [{ by: 'soon' }, { ms: -5 }, { ms: 0 }, { by: '400d' }, {}]) {
      const res = await fetch(url('/playground/clock'), json(bad));
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const plain = await fetch(url('/playground/clock'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"by":"1h"}' });
    expect(plain.status).toBe(415);
  });

  it('sends the weekly digest when the clock jumps a week', async () => {
    const res = await fetch(url('/playground/clock'), json({ by: '7d' }));
    expect(res.status).toBe(200);
    await events.next(posted(place('security').conversationId, /weekly digest/i), 15_000);
    await events.next(posted(user('Erin').conversationId, /weekly digest/i));
  });

  it('emulates the Bot Connector calls botbuilder makes: post, reply, update, delete, create conversation', async () => {
    const connector = setup.serviceUrl;
    const conv = encodeURIComponent(place('security').conversationId);
    const activity = { type: 'message', text: 'hello **there**', from: { id: setup.bot.id, name: 'pimbot' } };

    const post = await fetch(`${connector}v3/conversations/${conv}/activities`, json(activity));
    expect(post.status).toBe(200);
    const { id } = (await post.json()) as { id: string };
    const streamed = await events.next((e) => e.event === 'message' && e.data.id === id);
    expect(streamed.data).toMatchObject({ conversationId: place('security').conversationId, text: 'hello **there**', from: { isBot: true } });

    const reply = await fetch(`${connector}v3/conversations/${conv}/activities/${id}`, json({ ...activity, text: 'a reply' }));
    const replyId = ((await reply.json()) as { id: string }).id;
    expect((await events.next((e) => e.event === 'message' && e.data.id === replyId)).data.replyToId).toBe(id);

    const update = await fetch(`${connector}v3/conversations/${conv}/activities/${id}`, json({ ...activity, text: 'changed' }, 'PUT'));
    expect(update.status).toBe(200);
    expect((await events.next((e) => e.event === 'update' && e.data.id === id)).data.text).toBe('changed');
    expect((await fetch(`${connector}v3/conversations/${conv}/activities/pg-999999`, json(activity, 'PUT'))).status).toBe(404);

    const del = await fetch(`${connector}v3/conversations/${conv}/activities/${replyId}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await events.next((e) => e.event === 'delete' && e.data.id === replyId);

    const dave = user('Dave');
    const created = await fetch(`${connector}v3/conversations`, json({ isGroup: false, bot: setup.bot, members: [{ id: dave.aadObjectId, aadObjectId: dave.aadObjectId }], tenantId: setup.tenantId }));
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: dave.conversationId });

    // Typing indicators and other activities are accepted and not shown.
    const typing = await fetch(`${connector}v3/conversations/${conv}/activities`, json({ type: 'typing' }));
    expect(typing.status).toBe(200);
    expect((await fetch(`${connector}v3/conversations/${conv}/activities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })).status).toBe(400);
    expect((await fetch(`${connector}v3/attachments/x`)).status).toBe(404);
  });

  it('records what a person types, only in a conversation they are in', async () => {
    const alice = user('Alice');
    const ok = await fetch(url('/playground/api/messages'), json({ conversationId: alice.conversationId, from: alice.aadObjectId, text: 'roles' }));
    expect(ok.status).toBe(201);
    const { id } = (await ok.json()) as { id: string };
    const shown = await events.next((e) => e.event === 'message' && e.data.id === id);
    expect(shown.data).toMatchObject({ text: 'roles', textFormat: 'plain', from: { isBot: false, name: 'Alice' } });

    const elsewhere = await fetch(url('/playground/api/messages'), json({ conversationId: user('Bob').conversationId, from: alice.aadObjectId, text: 'hi' }));
    expect(elsewhere.status).toBe(403);
    const stranger = await fetch(url('/playground/api/messages'), json({ conversationId: alice.conversationId, from: 'nobody', text: 'hi' }));
    expect(stranger.status).toBe(404);
    const empty = await fetch(url('/playground/api/messages'), json({ conversationId: alice.conversationId, from: alice.aadObjectId, text: '   ' }));
    expect(empty.status).toBe(400);
    const form = await fetch(url('/playground/api/messages'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hi' });
    expect(form.status).toBe(415);
  });

  it('puts the card an invoke answered with in place of the old one, for every open page', async () => {
    const alice = user('Alice');
    const recorded = (await (await fetch(url('/playground/api/messages'), json({ conversationId: alice.conversationId, from: alice.aadObjectId, text: 'status' }))).json()) as { id: string };
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'replaced' }] };
    const res = await fetch(url('/playground/api/messages'), json({ conversationId: alice.conversationId, id: recorded.id, card }, 'PUT'));
    expect(res.status).toBe(200);
    const update = await events.next((e) => e.event === 'update' && e.data.id === recorded.id);
    expect(update.data.attachments[0].content).toEqual(card);
    const notACard = await fetch(url('/playground/api/messages'), json({ conversationId: alice.conversationId, id: recorded.id, card: { type: 'Image' } }, 'PUT'));
    expect(notACard.status).toBe(400);
  });

  it('answers only requests addressed to this machine', async () => {
    expect(await getWithHost('/', `127.0.0.1:${pg.app.port}`)).toBe(200);
    expect(await getWithHost('/', `localhost:${pg.app.port}`)).toBe(200);
    expect(await getWithHost('/', 'evil.example')).toBe(403);
    expect(await getWithHost('/playground/setup', 'evil.example:80')).toBe(403);
  });
});

describe('closing the app', () => {
  it('ends open event streams instead of waiting for them', async () => {
    const other = await startPlayground();
    const stream = await openEvents(other.app.url);
    await stream.next((e) => e.event === 'snapshot');
    const started = Date.now();
    await other.close();
    // Well under the 4 s a keep-alive client waits before it lets go of an idle socket.
    expect(Date.now() - started).toBeLessThan(3_500);
    stream.close();
  });
});

describe('outside dev mode', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('serves no playground: GET / is 404, and the clock is the real one', async () => {
    const app = await startApp({ env: loadEnv({ PIM_DEV_MODE: 'false', LOG_LEVEL: 'silent', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }), config: await loadDemoConfig(), database, port: 0 });
    try {
      for (const path of ['/', '/playground/setup', '/playground/events', '/playground/adaptivecards.js', '/playground/connector/v3/conversations']) {
        expect((await fetch(`${app.url}${path}`)).status, path).toBe(404);
      }
      expect((await fetch(`${app.url}/playground/clock`, json({ by: '1h' }))).status).toBe(404);
      expect(app.clock).not.toBeInstanceOf(OffsetClock);
      expect(app.adapters.map((a) => a.platform)).not.toContain('playground');
    } finally {
      await app.close();
    }
  });

  it('serves nothing in dev mode when real Teams credentials are set (their activities need tokens)', async () => {
    const env = loadEnv({ PIM_DEV_MODE: 'true', TEAMS_APP_ID: '11111111-2222-3333-4444-555555555555', TEAMS_APP_PASSWORD: 'not-a-secret', LOG_LEVEL: 'silent' });
    const app = await startApp({ env, config: await loadDemoConfig(), database, port: 0 });
    try {
      expect((await fetch(`${app.url}/`)).status).toBe(404);
      expect((await fetch(`${app.url}/playground/setup`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('serves nothing even when the playground adapter is passed in by hand', async () => {
    const app = await startApp({ env: loadEnv({ PIM_DEV_MODE: 'false', LOG_LEVEL: 'silent', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }), config: await loadDemoConfig(), database, port: 0, adapters: [playgroundAdapter] });
    try {
      expect((await fetch(`${app.url}/`)).status).toBe(404);
      expect(app.adapters[0]?.routes).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
