/**
 * The real bot for Slack e2e tests: `startApp` with the Slack adapter (Bolt's HTTPReceiver on
 * `/slack/events`), the real core, outbox dispatcher and database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL), its Web API pointed at a recording fake. Tests drive it only with signed
 * HTTP requests, as Slack does, and look at what the fake received.
 */
import { slackAdapter, type SlackAdapter } from '../../../adapters/slack/index.js';
import { startApp, type AppHandle } from '../../../src/app.js';
import { loadEnv } from '../../../src/config/env.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import type { Actor, Clock } from '../../../src/core/index.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { PgRateLimiter } from '../../../src/db/rate-limits.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { expect } from 'vitest';
import { buttonsIn, eventually, FakeSlack, SlackSender, textOf, type RenderedButton, type SlackCall, type SlackUser } from '../../support/fake-slack.js';
import { TEST_ENCRYPTION_KEY } from '../../support/keys.js';

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const BOT_TOKEN = 'xoxb-0000000000-0000000000000-testtokentesttoken';

export const alice: SlackUser = { id: 'U0ALICE', name: 'alice' };
export const bob: SlackUser = { id: 'U0BOB', name: 'bob' };
export const carol: SlackUser = { id: 'U0CAROL', name: 'carol' };
/** In the directory by e-mail only: found through users.info. */
export const dora: SlackUser = { id: 'U0DORA', name: 'dora' };
/** An admin and an auditor, for suites whose config names them (U0ERIN, U0DAVE). */
export const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };
export const dave: SlackUser = { id: 'U0DAVE', name: 'dave' };
/** Not in the directory at all. */
export const stranger: SlackUser = { id: 'U0NOBODY', name: 'nobody' };

export const APPROVALS = 'C0APPROVALS';
export const SECURITY = 'C0SECURITY';

export const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: carol@example.com, name: Carol, slack: U0CAROL }
    - { id: dora@example.com, name: Dora }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
  groups:
    - { id: sre-leads, members: [carol@example.com] }
admins: [erin@example.com]
slack: { teamIds: [T0PIM] }
channels:
  approvals: { slack: ${APPROVALS} }
  security: { slack: ${SECURITY} }
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false, maxActivation: 8h }
  - name: Contributor
    scopes: [/subscriptions/dev]
    policy: { requireJustification: true, maxActivation: 4h }
  - name: Owner
    scopes: [/subscriptions/prod]
    policy:
      maxActivation: 2h
      requireJustification: true
      approval: { required: true, approvers: [group:sre-leads] }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Reader, type: eligible }
    - { principal: alice@example.com, role: Contributor, type: eligible }
    - { principal: alice@example.com, role: Owner, type: eligible }
    - { principal: carol@example.com, role: Owner, type: eligible }
    - { principal: dora@example.com, role: Reader, type: eligible }
`;

export interface Harness {
  app: AppHandle;
  adapter: SlackAdapter;
  fake: FakeSlack;
  slack: SlackSender;
  /** The actor for a directory id, to read state through the core. */
  actor(principalId: string): Actor;
  /** Waits until every request the bot got is handled and every queued message delivered. */
  settled(timeoutMs?: number): Promise<void>;
}

export interface SuiteOptions {
  /** Scan for security alerts at start and after changes, as the bot does (default off: alert cards would mix with the messages a test counts). */
  alertScans?: boolean;
  /**
   * SLACK_WORK_THREAD for the bot (default auto: on PostgreSQL the Slack requests are handled on
   * the work thread, on PGlite on the main thread). `off` keeps a file on the main thread on
   * PostgreSQL too, so CI runs both paths.
   */
  workThread?: 'auto' | 'on' | 'off';
  /** Paces the Slack messenger with the shared limiter on the test database (src/db/rate-limits.ts). */
  pacer?: boolean;
  /** Another pim.config.yaml (default CONFIG): a file's own roles and people. */
  config?: string;
  /**
   * The bot's clock (default the system clock). A clock of its own keeps Slack requests on the
   * main thread (the work thread reads the system clock), so the work thread is not expected.
   */
  clock?: Clock;
}

/** One database and one fake Slack per file; a fresh bot (and empty database) per test. */
export function slackSuite(options: SuiteOptions = {}): { get: () => Harness; start: () => Promise<Harness>; stop: () => Promise<void>; setup: () => Promise<void>; teardown: () => Promise<void> } {
  let database: TestDatabase | undefined;
  let fake: FakeSlack | undefined;
  let harness: Harness | undefined;
  return {
    get: () => {
      if (!harness) throw new Error('the bot is not running');
      return harness;
    },
    async setup() {
      database = await testDatabase();
      fake = await FakeSlack.start();
    },
    async teardown() {
      await fake?.close();
      await database?.close();
    },
    async start() {
      if (!database || !fake) throw new Error('call setup() first');
      const db = database;
      await truncateAll(database.db);
      fake.reset();
      const env = loadEnv({
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        PIM_DEV_MODE: 'false',
        HOST: '127.0.0.1',
        PIM_TIMEZONE: 'UTC',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        SLACK_WORK_THREAD: options.workThread ?? 'auto',
        PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      });
      const app = await startApp({
        env,
        config: parsePimConfig(options.config ?? CONFIG, 'slack-e2e.pim.config.yaml'),
        ...(options.clock ? { clock: options.clock } : {}),
        database,
        port: 0,
        alertScans: options.alertScans ?? false,
        adapters: [options.pacer ? (deps) => slackAdapter({ ...deps, pacer: new PgRateLimiter(db.db) }) : slackAdapter],
        dispatcher: { baseBackoffMs: 50 },
        noDeadlineLoop: true,
      });
      const adapter = app.adapters.find((a) => a.platform === 'slack') as SlackAdapter;
      // Which path the file exercises is not left to chance.
      const expected = database.kind === 'postgres' && options.workThread !== 'off' && !options.clock;
      if (Boolean(adapter.workThread?.running) !== expected) {
        throw new Error(`the Slack work thread is ${adapter.workThread?.running ? 'running' : 'not running'}, expected ${expected ? 'running' : 'not running'}`);
      }
      const queue = new OutboxQueue(database.db);
      const f = fake;
      harness = {
        app,
        adapter,
        fake: f,
        slack: new SlackSender(`${app.url}/slack/events`, SIGNING_SECRET, f),
        actor: (id) => app.pim.actorFor(id, 'slack'),
        async settled(timeoutMs = 10_000) {
          await eventually(
            async () => {
              await adapter.idle();
              return (await queue.depth()) === 0;
            },
            'the bot to handle every request and deliver every message',
            { timeoutMs, intervalMs: 20 },
          );
          await adapter.idle();
        },
      };
      return harness;
    },
    async stop() {
      await harness?.app.close();
      harness = undefined;
    },
  };
}

/** The DMs to a Slack user (posted to their user id), in order. */
export function dmsTo(fake: FakeSlack, user: SlackUser): SlackCall[] {
  return fake.callsTo('chat.postMessage', (c) => c.args.channel === user.id);
}

/** Runs a slash command as `who` and waits for its answer and for what it set off; returns the answer's text. */
export async function answerOf(h: Harness, who: SlackUser, text: string): Promise<string> {
  const sent = await h.slack.command(who, text);
  const answer = await h.fake.waitForResponse(sent.responseId);
  await h.settled();
  return textOf(answer.body.blocks);
}

/** Polls `get` every 50 ms until it gives a value (or `ms` pass, which throws naming `what`). */
export async function until<T>(what: string, get: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Scans for alerts (expecting one raised), and returns its card in the security channel and a way to its buttons. */
export async function scannedAlertCard(h: Harness): Promise<{ card: { channel: string; ts: string; blocks: any[] }; button: (actionId: string) => RenderedButton; alertId: string }> {
  const scan = await h.app.pim.scanAlerts();
  expect(scan.raised).toHaveLength(1);
  await h.settled();
  const [card] = postedIn(h.fake, SECURITY);
  if (!card) throw new Error('no alert card in the security channel');
  const button = (actionId: string) => {
    const found = buttonsIn(card.blocks).find((b) => b.action_id === actionId);
    if (!found) throw new Error(`no ${actionId} button on the alert card`);
    return found;
  };
  return { card, button, alertId: scan.raised[0] as string };
}

/** The one message posted to a channel, as it stands now. */
export function postedIn(fake: FakeSlack, channel: string): { channel: string; ts: string; text: string; blocks: any[]; updates: number }[] {
  return [...fake.messages.values()].filter((m) => m.channel === channel);
}
