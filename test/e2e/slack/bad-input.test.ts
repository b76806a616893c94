/**
 * Bad input on POST /slack/events, sent signed over real HTTP into the real bot (adapters/slack/
 * guard.ts): malformed bodies and payloads are a 400 (or 413), never a crash or a 500; timestamps
 * more than 5 minutes off either way are a 401; control characters never reach the database, and
 * a user who typed one is told what it is. After every case the bot still answers a command, and
 * no table changed.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD } from '../../../cards/actions.js';
import { tableSnapshot } from '../../support/db.js';
import { textOf } from '../../support/fake-slack.js';
import { alice, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(async () => {
  await suite.setup();
  await suite.start();
});
afterAll(async () => {
  await suite.stop();
  await suite.teardown();
});

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** POSTs raw bytes signed as Slack would (or with the given timestamp / no signature). */
async function postRaw(body: Buffer | string, contentType: string, options: { timestamp?: number; unsigned?: boolean } = {}): Promise<{ status: number; text: string }> {
  const { slack } = suite.get();
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', slack.signingSecret).update(`v0:${timestamp}:`).update(bytes).digest('hex')}`;
  const headers: Record<string, string> = { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp) };
  if (!options.unsigned) headers['x-slack-signature'] = signature;
  const res = await fetch(slack.eventsUrl, { method: 'POST', headers, body: new Uint8Array(bytes) });
  return { status: res.status, text: await res.text() };
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** A signed `/pim status` is acked and answered: the bot is still serving. */
async function expectStillServing(): Promise<void> {
  const { slack, fake } = suite.get();
  const sent = await slack.command(alice, 'status');
  expect(sent.status).toBe(200);
  const answer = await fake.waitForResponse(sent.responseId);
  expect(answer.body.response_type).toBe('ephemeral');
}

/** Runs `send`, then checks the bot still serves and no table changed (after its work settled). */
async function expectNothingChanged<T>(send: () => Promise<T>): Promise<T> {
  const { app, settled } = suite.get();
  await settled();
  const before = await tableSnapshot(app.database.db);
  const result = await send();
  await settled();
  expect(await tableSnapshot(app.database.db)).toEqual(before);
  await expectStillServing();
  return result;
}

const blockActions = (value: string, extra: Record<string, unknown> = {}) => ({
  type: 'block_actions',
  user: { id: alice.id, username: 'alice', team_id: 'T0PIM' },
  team: { id: 'T0PIM', domain: 'pim-test' },
  api_app_id: 'A0PIMBOT',
  trigger_id: `${Date.now()}.${Math.random()}`,
  actions: [{ action_id: 'pim_cancel', block_id: 'b1', value, type: 'button', action_ts: `${Date.now() / 1000}` }],
  ...extra,
});

describe('malformed bodies and payloads', () => {
  const cases: [string, number, () => Promise<{ status: number }>][] = [
    ['a signed JSON null body', 400, () => postRaw('null', JSON_TYPE)],
    ['a signed JSON array body', 400, () => postRaw('[]', JSON_TYPE)],
    ['a signed JSON string body', 400, () => postRaw('"hello"', JSON_TYPE)],
    ['a signed JSON number body', 400, () => postRaw('42', JSON_TYPE)],
    ['a signed body that is not JSON', 400, () => postRaw('{"type":', JSON_TYPE)],
    ['a signed empty body', 400, () => postRaw('', JSON_TYPE)],
    ['payload=null', 400, () => postRaw(form({ payload: 'null' }), FORM)],
    ['payload=[]', 400, () => postRaw(form({ payload: '[]' }), FORM)],
    ['payload=42', 400, () => postRaw(form({ payload: '42' }), FORM)],
    ['a payload that is not JSON', 400, () => postRaw(form({ payload: '{"type":"block_actions"' }), FORM)],
    ['a 20,000-deep JSON array body', 400, () => postRaw(deep(20_000), JSON_TYPE)],
    ['a 20,000-deep array in a payload', 400, () => postRaw(form({ payload: deep(20_000) }), FORM)],
    ['an event 65 objects deep', 400, () => postRaw(`{"type":"event_callback","event":${'{"a":'.repeat(64)}1${'}'.repeat(64)}}`, JSON_TYPE)],
    ['invalid UTF-8', 400, () => postRaw(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), JSON_TYPE)],
    ['a body over 1 MiB', 413, () => postRaw(`{"pad":"${'x'.repeat(1024 * 1024)}"}`, JSON_TYPE)],
    ['an unsigned JSON null body', 401, () => postRaw('null', JSON_TYPE, { unsigned: true })],
    ['an unsigned 20,000-deep array', 401, () => postRaw(deep(20_000), JSON_TYPE, { unsigned: true })],
    ['a NUL byte in a button value', 400, () => postRaw(form({ payload: JSON.stringify(blockActions('{"requestId":"R-ABC\u0000DEF"}')) }), FORM)],
    ['a NUL byte in a trigger id', 400, () => postRaw(form({ payload: JSON.stringify({ ...blockActions('{"requestId":"R-ABCDEFG"}'), trigger_id: '1.2\u0000' }) }), FORM)],
    ['an unpaired surrogate in a button value', 400, () => postRaw(form({ payload: JSON.stringify(blockActions('{"requestId":"R-\uD800"}')) }), FORM)],
    ['a control character in a key', 400, () => postRaw(form({ payload: JSON.stringify(blockActions('{}', { 'x\u001b': 1 })) }), FORM)],
  ];

  it.each(cases)('%s: answered %i, the bot serves on and nothing changed', async (_name, status, send) => {
    const res = await expectNothingChanged(send);
    expect(res.status).toBe(status);
  });

  it('acks an event carrying a NUL byte (Slack would retry anything else) and runs nothing', async () => {
    const { slack } = suite.get();
    const res = await expectNothingChanged(() => slack.event({ type: 'app_home_opened', user: alice.id, tab: 'home\u0000' }));
    expect(res.status).toBe(200);
    expect(suite.get().fake.callsTo('views.publish')).toHaveLength(0);
  });
});

describe('request timestamps', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it.each([
    ['6 minutes in the future', 6 * 60],
    ['a day in the future', 24 * 60 * 60],
    ['6 minutes in the past', -6 * 60],
    ['a day in the past', -24 * 60 * 60],
  ])('refuses a correctly signed command timestamped %s with 401', async (_name, offset) => {
    const { slack } = suite.get();
    const sent = await expectNothingChanged(() => slack.command(alice, 'activate Reader 1h', { timestamp: now() + offset }));
    expect(sent.status).toBe(401);
  });

  it.each([
    ['4 minutes in the future', 4 * 60],
    ['4 minutes in the past', -4 * 60],
  ])('accepts one timestamped %s', async (_name, offset) => {
    const { slack, fake } = suite.get();
    const sent = await slack.command(alice, 'roles', { timestamp: now() + offset });
    expect(sent.status).toBe(200);
    expect(textOf((await fake.waitForResponse(sent.responseId)).body.blocks)).toContain('Reader');
  });
});

describe('control characters typed by a user', () => {
  it('answers a NUL byte in a reason with what it is, and runs nothing', async () => {
    const { slack, fake } = suite.get();
    const sent = await expectNothingChanged(() => slack.command(alice, 'activate Reader 1h --reason "fix\u0000it"'));
    expect(sent.status).toBe(200);
    const answer = JSON.parse(sent.body);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('contains an invisible control character, U+0000 (NUL), at character 33');
    expect(fake.responses.filter((r) => r.id === sent.responseId)).toHaveLength(0);
  });

  it('answers a NUL byte in a request id the same way', async () => {
    const { slack } = suite.get();
    const sent = await expectNothingChanged(() => slack.command(alice, 'cancel R-ABC\u0000DEF'));
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body).text).toContain('U+0000 (NUL)');
  });

  it('shows the error under the form field that carries one', async () => {
    const { slack, fake } = suite.get();
    await slack.command(alice, 'activate Contributor 2h');
    const view = (await fake.waitForCall('views.open')).args.view;
    const res = await expectNothingChanged(() => slack.submit(alice, view, { [FIELD.duration]: '2h', [FIELD.reason]: 'rotate\u001b[2Jkeys' }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: { [FIELD.reason]: expect.stringContaining('This field contains an invisible control character, U+001B (ESC), at character 7') },
    });
  });
});
