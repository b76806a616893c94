/**
 * SlackMessenger: who it can reach and where each recipient lands, how Web API failures
 * become the dispatcher's DeliveryError (retry after Retry-After, retry with backoff, give up),
 * and how it waits for its turn with a pacer. Runs the real Web API client against the recording
 * fake Slack.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_LIMITS } from '../../../../adapters/slack/limits.js';
import { SlackMessenger, type SlackMessengerOptions } from '../../../../adapters/slack/messenger.js';
import { checkBlockKitLimits } from '../../../../cards/slack/index.js';
import { DeliveryError, Directory, type MessageRef, type Notice, type RequestView } from '../../../../src/core/index.js';
import { FakeSlack, textOf } from '../../../support/fake-slack.js';
import { ScriptedPacer } from '../../../support/scripted-pacer.js';

const clock = { now: () => new Date('2030-01-01T12:00:00Z') };
const directory = new Directory(
  [
    { id: 'alice@example.com', name: 'Alice', kind: 'user', slack: 'U0ALICE' },
    { id: 'dora@example.com', name: 'Dora', kind: 'user' },
    { id: 'tess@example.com', name: 'Tess', kind: 'user', teams: '00000000-0000-0000-0000-0000000000aa' },
    { id: 'svc-ci', name: 'CI', kind: 'service' },
  ],
  [],
  [],
);
const channels = { approvals: { slack: 'C0APPROVALS' }, security: { teams: '19:sec@thread.tacv2' } };

const request: RequestView = {
  id: 'R-ABC123',
  kind: 'activate',
  requester: { id: 'alice@example.com', name: 'Alice' },
  role: 'Owner',
  scope: '/subscriptions/prod',
  durationMs: 3_600_000,
  reason: 'fix <!channel> & co',
  ticket: null,
  startAt: null,
  createdAt: '2030-01-01T11:59:00Z',
  approvalDeadline: '2030-01-02T11:59:00Z',
  state: 'pending_approval',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  failureReason: null,
  endsAt: null,
};
const card: Notice = { kind: 'approval_request', request };
const hello: Notice = { kind: 'text', text: 'hello' };

let fake: FakeSlack;
let messenger: SlackMessenger;

function messengerFor(apiUrl: string, more: Partial<SlackMessengerOptions> = {}): SlackMessenger {
  const api = new webApi.WebClient('xoxb-test', { slackApiUrl: `${apiUrl}/`, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 5_000, logLevel: LogLevel.ERROR });
  return new SlackMessenger({ api, channels, directory, clock, timeZone: 'UTC', ...more });
}

beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  messenger = messengerFor(fake.apiUrl);
});

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeliveryError) return e;
    throw e;
  }
  throw new Error('expected a DeliveryError');
}

describe('recipients', () => {
  it('reaches channels with a Slack id and users with a Slack id or only an e-mail', () => {
    expect(messenger.canReach({ kind: 'channel', channel: 'approvals' })).toBe(true);
    expect(messenger.canReach({ kind: 'channel', channel: 'security' })).toBe(false); // Teams only
    expect(messenger.canReach({ kind: 'channel', channel: 'nowhere' })).toBe(false);
    expect(messenger.canReach({ kind: 'user', principalId: 'alice@example.com' })).toBe(true);
    expect(messenger.canReach({ kind: 'user', principalId: 'ALICE@example.com' })).toBe(true);
    expect(messenger.canReach({ kind: 'user', principalId: 'dora@example.com' })).toBe(true);
    expect(messenger.canReach({ kind: 'user', principalId: 'tess@example.com' })).toBe(false); // a Teams user
    expect(messenger.canReach({ kind: 'user', principalId: 'svc-ci' })).toBe(false);
    expect(messenger.canReach({ kind: 'user', principalId: 'nobody@example.com' })).toBe(false);
  });

  it('posts to the channel id from the config and returns where the message landed', async () => {
    const ref = await messenger.send({ kind: 'channel', channel: 'approvals' }, card);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call?.args.channel).toBe('C0APPROVALS');
    expect(call?.args.unfurl_links).toBe('false');
    expect(ref).toEqual({ platform: 'slack', conversation: 'C0APPROVALS', messageId: expect.stringMatching(/^\d+\.\d+$/) });
    expect(checkBlockKitLimits(call?.args)).toEqual([]);
    expect(textOf(call?.args.blocks)).toContain('fix &lt;!channel&gt; &amp; co');
  });

  it('DMs a user by posting to their Slack user id, and keeps the IM channel Slack answers with', async () => {
    const ref = await messenger.send({ kind: 'user', principalId: 'alice@example.com' }, hello);
    expect(fake.callsTo('chat.postMessage')[0]?.args.channel).toBe('U0ALICE');
    expect(ref.conversation).toBe('D0ALICE');
  });

  it('finds a user bound by e-mail with users.lookupByEmail, once', async () => {
    fake.setUser('U0DORA', { email: 'dora@example.com' });
    await messenger.send({ kind: 'user', principalId: 'dora@example.com' }, hello);
    await messenger.send({ kind: 'user', principalId: 'dora@example.com' }, hello);
    expect(fake.callsTo('users.lookupByEmail')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual(['U0DORA', 'U0DORA']);
  });

  it('gives up at once on recipients it cannot address', async () => {
    for (const to of [
      { kind: 'channel', channel: 'security' },
      { kind: 'user', principalId: 'tess@example.com' },
      { kind: 'user', principalId: 'nobody@example.com' },
    ] as const) {
      expect((await failure(messenger.send(to, hello))).permanent).toBe(true);
    }
    const lost = await failure(messenger.send({ kind: 'user', principalId: 'dora@example.com' }, hello)); // no such Slack user
    expect(lost.permanent).toBe(true);
    expect(lost.message).toContain('users_not_found');
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('updates a posted message in place with chat.update', async () => {
    const ref = await messenger.send({ kind: 'channel', channel: 'approvals' }, card);
    const decided: Notice = { kind: 'approval_request', request: { ...request, state: 'denied', decidedBy: { id: 'carol@example.com', name: 'Carol' }, decidedAt: '2030-01-01T12:00:00Z', decisionReason: 'no' } };
    await messenger.update(ref, decided);
    const [call] = fake.callsTo('chat.update');
    expect(call?.args).toMatchObject({ channel: 'C0APPROVALS', ts: ref.messageId });
    expect(textOf(fake.message('C0APPROVALS', ref.messageId)?.blocks ?? [])).toContain('❌ Denied by *Carol*');
  });
});

describe('Web API failures as delivery errors', () => {
  const to = { kind: 'channel', channel: 'approvals' } as const;

  it('turns HTTP 429 into a retry after Retry-After', async () => {
    fake.rateLimit('chat.postMessage', 1, 7);
    const e = await failure(messenger.send(to, hello));
    expect(e.permanent).toBe(false);
    expect(e.retryAfterMs).toBe(7_000);
    expect(e.rateLimited).toBe(true); // waiting, not a failed attempt
    await expect(messenger.send(to, hello)).resolves.toMatchObject({ conversation: 'C0APPROVALS' });
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(2); // the client itself did not retry
  });

  it.each(['channel_not_found', 'not_in_channel', 'invalid_auth', 'account_inactive', 'is_archived', 'invalid_blocks'])('gives up on %s', async (error) => {
    fake.failNext('chat.postMessage', error);
    const e = await failure(messenger.send(to, hello));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain(error);
  });

  it.each(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])('retries %s with backoff', async (error) => {
    fake.failNext('chat.postMessage', error);
    const e = await failure(messenger.send(to, hello));
    expect(e.permanent).toBe(false);
    expect(e.retryAfterMs).toBeUndefined();
  });

  it('retries HTTP 5xx and gives up on other HTTP 4xx', async () => {
    fake.httpError('chat.postMessage', 503);
    expect(await failure(messenger.send(to, hello))).toMatchObject({ permanent: false, retryAfterMs: undefined });
    fake.httpError('chat.postMessage', 410);
    expect((await failure(messenger.send(to, hello))).permanent).toBe(true);
  });

  it('retries when Slack cannot be reached', async () => {
    const down = await FakeSlack.start();
    const url = down.apiUrl;
    await down.close();
    const e = await failure(messengerFor(url).send(to, hello));
    expect(e.permanent).toBe(false);
    expect(e.message).toMatch(/could not reach Slack/);
  });

  it('gives up on an update of a message that is gone, and retries a rate-limited one', async () => {
    const gone: MessageRef = { platform: 'slack', conversation: 'C0APPROVALS', messageId: '1.000001' };
    expect((await failure(messenger.update(gone, card))).permanent).toBe(true);
    const ref = await messenger.send(to, card);
    fake.rateLimit('chat.update', 1, 2);
    expect(await failure(messenger.update(ref, card))).toMatchObject({ permanent: false, retryAfterMs: 2_000 });
  });
});

describe('pacing', () => {
  const to = { kind: 'channel', channel: 'approvals' } as const;

  it('waits its turn on the channel, then on the workspace, before chat.postMessage', async () => {
    const pacer = new ScriptedPacer([
      { waitMs: 200, reserved: true },
      { waitMs: 150, reserved: true },
    ]);
    const started = Date.now();
    await messengerFor(fake.apiUrl, { pacer }).send(to, hello);
    const [call] = fake.callsTo('chat.postMessage');
    expect((call?.at ?? 0) - started).toBeGreaterThanOrEqual(340);
    expect(pacer.asked).toEqual([[{ key: 'slack:chat.postMessage:C0APPROVALS', ...SLACK_LIMITS.postPerChannel }], [{ key: 'slack:chat.postMessage', ...SLACK_LIMITS.postPerWorkspace }]]);
  });

  it.each([
    ['the channel', [{ waitMs: 7_500, reserved: false }]],
    ['the workspace', [{ waitMs: 0, reserved: true }, { waitMs: 7_500, reserved: false }]],
  ])('turns a turn on %s beyond the pacer\'s cap into a rate limit, without calling Slack', async (_which, answers) => {
    const pacer = new ScriptedPacer(answers);
    const e = await failure(messengerFor(fake.apiUrl, { pacer }).send(to, hello));
    expect(e).toMatchObject({ rateLimited: true, permanent: false, retryAfterMs: 7_500 });
    expect(e.message).toMatch(/^paced: /);
    expect(fake.calls).toEqual([]);
  });

  it('paces users.lookupByEmail and chat.update on their own tiers, with limits overridden by option', async () => {
    fake.setUser('U0DORA', { email: 'dora@example.com' });
    const pacer = new ScriptedPacer();
    const update = { intervalMs: 10_000, burst: 1 };
    const paced = messengerFor(fake.apiUrl, { pacer, limits: { update } });
    const ref = await paced.send({ kind: 'user', principalId: 'dora@example.com' }, hello);
    await paced.update(ref, hello);
    expect(pacer.keys()).toEqual([['slack:users.lookupByEmail'], ['slack:chat.postMessage:U0DORA'], ['slack:chat.postMessage'], ['slack:chat.update']]);
    expect(pacer.asked[0]?.[0]).toMatchObject(SLACK_LIMITS.lookupByEmail);
    expect(pacer.asked[3]?.[0]).toMatchObject(update);
  });
});
