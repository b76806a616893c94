/**
 * TeamsMessenger: which conversation reference a notice goes through, how a 1:1 chat is opened,
 * what it returns, how failures map and how it waits for its turn with a pacer. A fake adapter
 * records the proactive calls; the last block drives the real CloudAdapter against the recording
 * fake Bot Connector.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE, REFRESH } from '../../../../cards/actions.js';
import { TEAMS_LIMITS } from '../../../../adapters/teams/limits.js';
import { DEFAULT_SERVICE_URL, TeamsMessenger, type ProactiveAdapter, type TeamsMessengerDeps } from '../../../../adapters/teams/messenger.js';
import { SERVICE_KEY, type Reference, type ServiceMeta } from '../../../../adapters/teams/references.js';
import { DeliveryError, Directory, type Notice, type Pim, type RequestView } from '../../../../src/core/index.js';
import { cardOf, executeActions, isPost, startFakeConnector, type FakeConnector } from '../../../support/fake-connector.js';
import { ScriptedPacer } from '../../../support/scripted-pacer.js';

const NOW = new Date('2025-06-03T12:00:00Z');
const TENANT = '11111111-2222-3333-4444-555555555555';
const ALICE_AAD = '00000000-0000-0000-0000-00000000a11c';
const CAROL_AAD = '00000000-0000-0000-0000-0000000ca501';
const CHANNEL = '19:approvals@thread.tacv2';

const directory = new Directory(
  [
    { id: 'alice@example.com', name: 'Alice', kind: 'user', teams: ALICE_AAD },
    { id: 'carol@example.com', name: 'Carol', kind: 'user', teams: CAROL_AAD },
    { id: 'sam@example.com', name: 'Sam', kind: 'user', slack: 'U0SAM' },
  ],
  [],
  [],
);
const approvers = ['carol@example.com', 'alice@example.com'];
// The core leaves the requester out of the approvers asked (Pim.otherApprovers); the stub does the same.
const pim = { directory, otherApprovers: (r: { principalId: string }) => approvers.filter((id) => id !== r.principalId), approvalNeedsMfa: () => false } as unknown as Pim;

const text: Notice = { kind: 'text', text: 'hello' };
const view: RequestView = {
  id: 'R7K2Q',
  kind: 'activate',
  requester: { id: 'alice@example.com', name: 'Alice' },
  role: 'Owner',
  scope: '/subscriptions/prod',
  durationMs: 3_600_000,
  reason: 'fix prod',
  ticket: 'INC-1',
  startAt: null,
  createdAt: NOW.toISOString(),
  approvalDeadline: new Date(NOW.getTime() + 86_400_000).toISOString(),
  state: 'pending_approval',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  endsAt: null,
} as RequestView;
const approval: Notice = { kind: 'approval_request', request: view };

/** References in memory. */
class Book {
  readonly refs = new Map<string, Reference>();
  metaValue: ServiceMeta | null = null;
  async get(key: string) {
    return this.refs.get(key) ?? null;
  }
  async save(key: string, ref: Reference) {
    this.refs.set(key, ref);
  }
  async meta() {
    return this.metaValue;
  }
}

interface Sent {
  op: 'send' | 'update';
  reference: Partial<Reference>;
  activity: any;
}

/** Records proactive calls; `fail` makes the next call throw. */
class FakeAdapter {
  sent: Sent[] = [];
  created: any[] = [];
  fail: unknown = null;
  private seq = 0;
  private ctx(reference: Partial<Reference>) {
    return {
      adapter: {},
      turnState: new Map(),
      activity: { ...reference, type: 'event' },
      sendActivity: async (activity: any) => {
        this.sent.push({ op: 'send', reference, activity });
        return { id: `m${++this.seq}` };
      },
      updateActivity: async (activity: any) => {
        this.sent.push({ op: 'update', reference, activity });
      },
    };
  }
  continueConversationAsync = async (_appId: unknown, reference: Partial<Reference>, logic: any) => {
    if (this.fail) {
      const f = this.fail;
      this.fail = null;
      throw f;
    }
    await logic(this.ctx(reference));
  };
  createConversationAsync = async (_appId: string, channelId: string, serviceUrl: string, _aud: string, params: any, logic: any) => {
    this.created.push({ channelId, serviceUrl, params });
    const reference: Partial<Reference> = {
      channelId,
      serviceUrl,
      conversation: { id: `a:new-${this.created.length}`, tenantId: params.tenantId, isGroup: false, conversationType: 'personal', name: '' },
      bot: params.bot,
    };
    await logic(this.ctx(reference));
  };
}

let adapter: FakeAdapter;
let book: Book;

function messenger(over: Partial<TeamsMessengerDeps> = {}, teamsEnabled = false): TeamsMessenger {
  return new TeamsMessenger({
    adapter: adapter as unknown as ProactiveAdapter,
    appId: '',
    pim,
    config: { channels: { approvals: { slack: 'C0APPROVALS', teams: CHANNEL }, security: { slack: 'C0SECURITY' } } },
    env: { timezone: 'UTC', devMode: !teamsEnabled, teams: { enabled: teamsEnabled, appType: 'MultiTenant', ...(teamsEnabled ? { appId: 'x', tenantId: TENANT } : {}) } },
    clock: { now: () => NOW },
    references: book,
    ...over,
  });
}

const meta: ServiceMeta = { serviceUrl: 'https://smba.example/emea/', tenantId: TENANT, bot: { id: '28:bot', name: 'pimbot' } };

beforeEach(() => {
  adapter = new FakeAdapter();
  book = new Book();
});

describe('canReach', () => {
  it('reaches a channel with a Teams id and a user bound to an AAD id, nothing else', () => {
    const m = messenger();
    expect(m.canReach({ kind: 'channel', channel: 'approvals' })).toBe(true);
    expect(m.canReach({ kind: 'channel', channel: 'security' })).toBe(false);
    expect(m.canReach({ kind: 'channel', channel: 'nowhere' })).toBe(false);
    expect(m.canReach({ kind: 'user', principalId: 'alice@example.com' })).toBe(true);
    expect(m.canReach({ kind: 'user', principalId: 'sam@example.com' })).toBe(false);
  });
});

describe('channel recipients', () => {
  it('post through the stored channel reference when there is one', async () => {
    const stored: Reference = { channelId: 'msteams', serviceUrl: 'https://stored/', conversation: { id: CHANNEL, isGroup: true, conversationType: 'channel', name: '' } };
    book.refs.set(`conv:${CHANNEL}`, stored);
    book.metaValue = meta;
    const ref = await messenger().send({ kind: 'channel', channel: 'approvals' }, text);
    expect(adapter.sent[0]?.reference).toBe(stored);
    expect(ref).toEqual({ platform: 'teams', conversation: CHANNEL, messageId: 'm1', extra: { reference: stored } });
  });

  it('otherwise build a reference from the channel id and the last seen service URL and tenant', async () => {
    book.metaValue = meta;
    await messenger().send({ kind: 'channel', channel: 'approvals' }, text);
    expect(adapter.sent[0]?.reference).toMatchObject({ channelId: 'msteams', serviceUrl: meta.serviceUrl, conversation: { id: CHANNEL, tenantId: TENANT }, bot: { id: '28:bot' } });
  });

  it('use the global Teams service URL in production before any activity was seen', async () => {
    await messenger({}, true).send({ kind: 'channel', channel: 'approvals' }, text);
    expect(adapter.sent[0]?.reference.serviceUrl).toBe(DEFAULT_SERVICE_URL);
  });

  it('fail for good in dev mode when no service URL was ever seen', async () => {
    const e = await messenger().send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).permanent).toBe(true);
    expect(adapter.sent).toHaveLength(0);
  });
});

describe('user recipients', () => {
  it('post through the stored 1:1 reference', async () => {
    const stored: Reference = { channelId: 'msteams', serviceUrl: 'https://stored/', conversation: { id: 'a:alice', isGroup: false, conversationType: 'personal', name: '' } };
    book.refs.set('user:alice@example.com', stored);
    const ref = await messenger().send({ kind: 'user', principalId: 'alice@example.com' }, text);
    expect(adapter.created).toHaveLength(0);
    expect(ref.conversation).toBe('a:alice');
  });

  it('otherwise open a 1:1 chat with their AAD id, keep its reference, and post there', async () => {
    book.metaValue = meta;
    const ref = await messenger().send({ kind: 'user', principalId: 'alice@example.com' }, text);
    expect(adapter.created).toHaveLength(1);
    const { params, serviceUrl, channelId } = adapter.created[0];
    expect(channelId).toBe('msteams');
    expect(serviceUrl).toBe(meta.serviceUrl);
    expect(params).toMatchObject({ isGroup: false, tenantId: TENANT, members: [{ id: ALICE_AAD }], channelData: { tenant: { id: TENANT } }, bot: { id: '28:bot' } });
    expect(ref).toMatchObject({ platform: 'teams', conversation: 'a:new-1', messageId: 'm1' });
    expect(book.refs.get('user:alice@example.com')?.conversation?.id).toBe('a:new-1');
  });

  it('fail for good when the chat cannot be opened (no tenant or service URL known)', async () => {
    const e = (await messenger().send({ kind: 'user', principalId: 'alice@example.com' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.permanent).toBe(true);
    expect(e.message).toBe('no conversation with this user yet: they must message the bot once');
  });
});

describe('what is sent', () => {
  it('an approval request carries Approve as Action.Execute and a refresh for the approvers but not the requester', async () => {
    book.metaValue = meta;
    await messenger().send({ kind: 'channel', channel: 'approvals' }, approval);
    const activity = adapter.sent[0]?.activity;
    expect(activity.type).toBe('message');
    expect(activity.text).toMatch(/Alice/);
    const card = cardOf(activity);
    expect(executeActions(card).map((a) => a.verb)).toContain(APPROVE);
    expect(card.refresh).toMatchObject({ action: { verb: REFRESH, data: { requestId: 'R7K2Q' } }, userIds: [CAROL_AAD] });
  });

  it('an update replaces the posted message by id, through the reference it was posted with', async () => {
    const reference: Reference = { channelId: 'msteams', serviceUrl: 'https://stored/', conversation: { id: CHANNEL, isGroup: true, conversationType: 'channel', name: '' } };
    await messenger().update({ platform: 'teams', conversation: CHANNEL, messageId: 'm9', extra: { reference } }, { ...approval, request: { ...view, state: 'active' } } as Notice);
    const sent = adapter.sent[0] as Sent;
    expect(sent.op).toBe('update');
    expect(sent.reference).toEqual(reference);
    expect(sent.activity).toMatchObject({ id: 'm9', type: 'message' });
    expect(executeActions(cardOf(sent.activity))).toHaveLength(0);
  });

  it('maps a connector 429 to a DeliveryError that waits for Retry-After', async () => {
    book.metaValue = meta;
    adapter.fail = Object.assign(new Error('Too Many Requests'), { statusCode: 429, response: { headers: { get: (n: string) => (n === 'retry-after' ? '12' : undefined) } } });
    const e = (await messenger().send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.retryAfterMs).toBe(12_000);
    expect(e.permanent).toBe(false);
  });
});

describe('pacing', () => {
  const inChannel = [[`teams:conversation:${CHANNEL}`, `teams:conversation:${CHANNEL}:hour`], ['teams:bot']];

  it('waits its turn in the conversation, then for the bot, before posting', async () => {
    book.metaValue = meta;
    const pacer = new ScriptedPacer([
      { waitMs: 200, reserved: true },
      { waitMs: 150, reserved: true },
    ]);
    const started = Date.now();
    await messenger({ pacer }).send({ kind: 'channel', channel: 'approvals' }, text);
    expect(Date.now() - started).toBeGreaterThanOrEqual(340);
    expect(adapter.sent).toHaveLength(1);
    expect(pacer.asked).toEqual([
      [
        { key: `teams:conversation:${CHANNEL}`, ...TEAMS_LIMITS.conversation },
        { key: `teams:conversation:${CHANNEL}:hour`, ...TEAMS_LIMITS.conversationHour },
      ],
      [{ key: 'teams:bot', ...TEAMS_LIMITS.bot }],
    ]);
  });

  it('turns a turn beyond the pacer\'s cap into a rate limit, without calling the Connector', async () => {
    book.metaValue = meta;
    const pacer = new ScriptedPacer([{ waitMs: 9_000, reserved: false }]);
    const e = (await messenger({ pacer }).send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toMatchObject({ rateLimited: true, permanent: false, retryAfterMs: 9_000 });
    expect(e.message).toMatch(/^paced: /);
    expect(adapter.sent).toHaveLength(0);
  });

  it('paces opening a 1:1 chat on the bot, then the first post in it; deferred there, the retry posts through the kept reference', async () => {
    book.metaValue = meta;
    const pacer = new ScriptedPacer([
      { waitMs: 0, reserved: true },
      { waitMs: 6_000, reserved: false },
    ]);
    const m = messenger({ pacer });
    const e = (await m.send({ kind: 'user', principalId: 'alice@example.com' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toMatchObject({ rateLimited: true, retryAfterMs: 6_000 });
    expect(adapter.created).toHaveLength(1);
    expect(adapter.sent).toHaveLength(0);
    const ref = await m.send({ kind: 'user', principalId: 'alice@example.com' }, text);
    expect(adapter.created).toHaveLength(1);
    expect(ref.conversation).toBe('a:new-1');
    const inChat = [['teams:conversation:a:new-1', 'teams:conversation:a:new-1:hour'], ['teams:bot']];
    expect(pacer.keys()).toEqual([['teams:bot'], inChat[0], ...inChat]);
  });

  it('paces an update in the conversation of the message, with limits overridden by option', async () => {
    const pacer = new ScriptedPacer();
    const conversation = { intervalMs: 5_000, burst: 2 };
    const reference: Reference = { channelId: 'msteams', serviceUrl: 'https://stored/', conversation: { id: CHANNEL, isGroup: true, conversationType: 'channel', name: '' } };
    await messenger({ pacer, limits: { conversation } }).update({ platform: 'teams', conversation: CHANNEL, messageId: 'm9', extra: { reference } }, text);
    expect(pacer.keys()).toEqual(inChannel);
    expect(pacer.asked[0]?.[0]).toMatchObject(conversation);
  });
});

describe('against the real CloudAdapter and a fake Bot Connector', () => {
  let connector: FakeConnector;
  let real: TeamsMessenger;
  beforeAll(async () => {
    connector = await startFakeConnector();
  });
  afterAll(async () => {
    await connector.close();
  });
  beforeEach(() => {
    connector.clear();
    book.metaValue = { serviceUrl: connector.url, tenantId: TENANT, bot: { id: '28:bot', name: 'pimbot' } };
    real = messenger({ adapter: new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})) });
  });

  it('posts to the channel and returns the connector id', async () => {
    const ref = await real.send({ kind: 'channel', channel: 'approvals' }, approval);
    const call = connector.calls.find(isPost);
    expect(call?.conversationId).toBe(CHANNEL);
    expect(ref.messageId).toBe(call?.answeredId);
    await real.update(ref, text);
    expect(connector.calls.find((c) => c.kind === 'update')).toMatchObject({ conversationId: CHANNEL, activityId: ref.messageId });
  });

  it('creates the 1:1 chat through POST /v3/conversations', async () => {
    const ref = await real.send({ kind: 'user', principalId: 'alice@example.com' }, text);
    const create = connector.calls.find((c) => c.kind === 'create');
    expect(create?.body).toMatchObject({ isGroup: false, tenantId: TENANT, members: [{ id: ALICE_AAD }] });
    expect(ref.conversation).toBe(create?.answeredId);
  });

  it('surfaces a 429 at once with its Retry-After (the outbox owns retries, not the SDK)', async () => {
    connector.failNext({ match: isPost, status: 429, retryAfter: 7 });
    const e = (await real.send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.retryAfterMs).toBe(7_000);
    expect(connector.calls.filter(isPost)).toHaveLength(1);
  });

  it('with an onTurnError handler, as the bot sets one, still surfaces a 429 with its Retry-After and a failed update', async () => {
    const logged: unknown[] = [];
    const handled = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    handled.onTurnError = async (_ctx, err) => {
      logged.push(err);
    };
    const m = messenger({ adapter: handled });
    connector.failNext({ match: isPost, status: 429, retryAfter: 4 });
    const limited = (await m.send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(limited).toMatchObject({ rateLimited: true, retryAfterMs: 4_000 });
    const ref = await m.send({ kind: 'channel', channel: 'approvals' }, text);
    connector.failNext({ match: (c) => c.kind === 'update', status: 404 });
    const gone = (await m.update(ref, text).catch((x: unknown) => x)) as DeliveryError;
    expect(gone).toBeInstanceOf(DeliveryError);
    expect(gone.permanent).toBe(true);
    expect(logged).toEqual([]);
  });

  it('retries a 503 and gives up on a 404', async () => {
    connector.failNext({ match: isPost, status: 503 });
    const busy = (await real.send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(busy.permanent).toBe(false);
    connector.failNext({ match: isPost, status: 404 });
    const gone = (await real.send({ kind: 'channel', channel: 'approvals' }, text).catch((x: unknown) => x)) as DeliveryError;
    expect(gone.permanent).toBe(true);
  });
});

it('keeps the service meta under its documented key', () => {
  expect(SERVICE_KEY).toBe('service:url');
});
