/**
 * Starts the real bot (startApp with the Teams adapter, dev mode: no token) on a test database,
 * with a recording fake Bot Connector as every activity's `serviceUrl`, and sends Bot Framework
 * activities to `/api/messages` as Teams would.
 */
import { randomUUID } from 'node:crypto';
import * as AC from 'adaptivecards';
import type { ChatAdapter, ChatAdapterDeps } from '../../../adapters/types.js';
import { startApp, type AppHandle } from '../../../src/app.js';
import type { Logger } from '../../../src/logger.js';
import { loadEnv } from '../../../src/config/env.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { cardOf, startFakeConnector, type FakeConnector } from '../../support/fake-connector.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { TEST_ENCRYPTION_KEY } from '../../support/keys.js';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const BOT = { id: '28:pimbot-test', name: 'pimbot' };
export const APPROVALS_CHANNEL = '19:approvals@thread.tacv2';
export const SECURITY_CHANNEL = '19:security@thread.tacv2';

/** AAD object ids as Teams sends them (upper case: the directory holds them lower-cased). */
export const AAD = {
  alice: '00000000-0000-0000-0000-00000000A11C',
  bob: '00000000-0000-0000-0000-000000000B0B',
  carol: '00000000-0000-0000-0000-0000000CA501',
  dave: '00000000-0000-0000-0000-00000000DA7E',
  erin: '00000000-0000-0000-0000-00000000E121',
  frank: '00000000-0000-0000-0000-00000000F4A4',
  mallory: '00000000-0000-0000-0000-0000000BAD00',
} as const;
export type Who = keyof typeof AAD;

export const CONFIG_YAML = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE, teams: ${AAD.alice.toLowerCase()} }
    - { id: bob@example.com, name: Bob, slack: U0BOB, teams: ${AAD.bob.toLowerCase()} }
    - { id: carol@example.com, name: Carol, slack: U0CAROL, teams: ${AAD.carol.toLowerCase()} }
    - { id: dave@example.com, name: Dave, slack: U0DAVE, teams: ${AAD.dave.toLowerCase()} }
    - { id: erin@example.com, name: Erin, slack: U0ERIN, teams: ${AAD.erin.toLowerCase()} }
    - { id: frank@example.com, name: Frank, slack: U0FRANK, teams: ${AAD.frank.toLowerCase()} }
  groups:
    - { id: sre-leads, members: [carol@example.com] }
admins: [erin@example.com]
channels:
  approvals: { slack: C0APPROVALS, teams: "${APPROVALS_CHANNEL}" }
  security: { slack: C0SECURITY, teams: "${SECURITY_CHANNEL}" }
roles:
  - name: Owner
    scopes: [/subscriptions/prod]
    policy:
      maxActivation: 1h
      requireJustification: true
      requireTicket: true
      ticketPattern: "^INC-[0-9]+$"
      approval: { required: true, approvers: [group:sre-leads] }
      notify: { activated: [security] }
  - name: Reader
    scopes: [/]
    policy:
      requireJustification: false
      approval: { required: false }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Owner, type: eligible }
    - { principal: alice@example.com, role: Reader, type: eligible }
    - { principal: bob@example.com, role: Reader, type: eligible }
    - { principal: carol@example.com, role: Owner, type: eligible }
    - { principal: dave@example.com, role: Owner, type: eligible }
    - { principal: erin@example.com, role: Owner, type: eligible }
    - { principal: frank@example.com, role: Owner, type: eligible }
`;

export interface Posted {
  status: number;
  /** Parsed JSON, or the text when it is not JSON. */
  body: any;
}

type Adapter = (deps: ChatAdapterDeps) => ChatAdapter | Promise<ChatAdapter>;

export interface TeamsBot {
  app: AppHandle;
  connector: FakeConnector;
  database: TestDatabase;
  /** Every Adaptive Card the bot answered an invoke with, in order. */
  invokeCards: unknown[];
  /** Every Adaptive Card the bot sent: invoke answers and everything the fake connector received. */
  allCards(): unknown[];
  /** POSTs an activity (or raw text) to /api/messages. */
  post(activity: unknown, headers?: Record<string, string>): Promise<Posted>;
  /** A typed message in `who`'s personal chat with the bot (or in a channel). */
  message(who: Who, text: string, opts?: ActivityOptions): Promise<Posted>;
  /** An `adaptiveCard/action` invoke: `who` pressed a button with `verb` and `data`. */
  invoke(who: Who, verb: string, data: Record<string, unknown>, opts?: ActivityOptions): Promise<Posted>;
  close(): Promise<void>;
}

export interface ActivityOptions {
  /** Post in this channel instead of the personal chat. */
  channel?: string;
  /** Extra fields merged into the activity. */
  extra?: Record<string, unknown>;
}

export interface StartOptions {
  /** Scan for security alerts at start and after changes (default off, see the Slack harness). */
  alertScans?: boolean;
  env?: Record<string, string>;
  yaml?: string;
  /** Adapters to start; default: the Teams adapter only. */
  adapters?: Adapter[];
  /** The bot's logger (default: one at TEST_LOG_LEVEL, silent unless set). */
  logger?: Logger;
}

const personalConversation = (who: Who) => `a:personal-${who}`;

export function baseActivity(who: Who, serviceUrl: string, opts: ActivityOptions = {}): Record<string, any> {
  const conversation = opts.channel
    ? { id: `${opts.channel};messageid=${Date.now()}`, conversationType: 'channel', isGroup: true, tenantId: TENANT }
    : { id: personalConversation(who), conversationType: 'personal', tenantId: TENANT };
  return {
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:${who}`, name: who, aadObjectId: AAD[who] },
    recipient: BOT,
    conversation,
    channelData: { tenant: { id: TENANT }, ...(opts.channel ? { channel: { id: opts.channel }, team: { id: opts.channel } } : {}) },
    locale: 'en-US',
    ...opts.extra,
  };
}

export async function startTeamsBot(options: StartOptions = {}): Promise<TeamsBot> {
  const { teamsAdapter } = await import('../../../adapters/teams/index.js');
  const connector = await startFakeConnector();
  const database = await testDatabase();
  const env = loadEnv({ PIM_DEV_MODE: 'true', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...options.env });
  const app = await startApp({
    env,
    config: parsePimConfig(options.yaml ?? CONFIG_YAML, 'pim.config.yaml', { env: {} }),
    database,
    port: 0,
    alertScans: options.alertScans ?? false,
    adapters: options.adapters ?? [teamsAdapter],
    ...(options.logger ? { logger: options.logger } : {}),
    dispatcher: { baseBackoffMs: 50, pollMs: 200 },
    noDeadlineLoop: true,
  });

  const post = async (activity: unknown, headers: Record<string, string> = {}): Promise<Posted> => {
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body };
  };

  const invokeCards: unknown[] = [];
  return {
    app,
    connector,
    database,
    invokeCards,
    allCards: () => [...invokeCards, ...connector.calls.map((c) => cardOf(c.body)).filter((c) => c !== null)],
    post,
    message: (who, text, opts = {}) => post({ ...baseActivity(who, connector.url, opts), type: 'message', text, textFormat: 'plain' }),
    async invoke(who, verb, data, opts = {}) {
      const res = await post({
        ...baseActivity(who, connector.url, opts),
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      });
      if (res.body?.type === 'application/vnd.microsoft.card.adaptive') invokeCards.push(res.body.value);
      return res;
    },
    async close() {
      await app.close();
      await connector.close();
      await database.close();
    },
  };
}

/** Parses a card with the real Adaptive Cards library; returns every parse and validation problem. */
export function cardProblems(json: unknown): string[] {
  const context = new AC.SerializationContext();
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const problems: string[] = [];
  for (let k = 0; k < context.eventCount; k++) problems.push(`parse: ${context.getEventAt(k).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate ${AC.ValidationEvent[e.event]}: ${e.message}`);
  return problems;
}

/** The conversation id of `who`'s personal chat in activities the harness sends. */
export const personalChat = personalConversation;
