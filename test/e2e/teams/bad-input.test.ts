/**
 * Bad input on POST /api/messages, over real HTTP into the real bot (adapters/teams/http.ts):
 * malformed bodies are a 400 (or 413), never a 500; control characters in ids and names are a
 * 400, and a user who typed one (in a command or a card form) is told what it is. After every
 * case the bot still answers a command, and no table changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENY_SUBMIT, DENY_REASON } from '../../../cards/actions.js';
import { tableSnapshot } from '../../support/db.js';
import { baseActivity, startTeamsBot, type TeamsBot } from './harness.js';

let bot: TeamsBot;
beforeAll(async () => {
  bot = await startTeamsBot();
  // Bob has written before, so where to reach him is already stored.
  expect((await bot.message('bob', 'pim roles')).status).toBe(200);
});
afterAll(async () => {
  await bot?.close();
});

/** POSTs raw bytes to /api/messages. */
async function postRaw(body: Buffer | string): Promise<{ status: number; text: string }> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const res = await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array(bytes) });
  return { status: res.status, text: await res.text() };
}

/** Bob's `pim status` is answered: the bot is still serving. */
async function expectStillServing(): Promise<void> {
  const before = bot.connector.calls.length;
  expect((await bot.message('bob', 'pim status')).status).toBe(200);
  expect(bot.connector.calls.length).toBeGreaterThan(before);
}

/** Runs `send`, then checks no table changed and the bot still serves. */
async function expectNothingChanged<T>(send: () => Promise<T>): Promise<T> {
  const before = await tableSnapshot(bot.database.db);
  const result = await send();
  expect(await tableSnapshot(bot.database.db)).toEqual(before);
  await expectStillServing();
  return result;
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const message = (extra: Record<string, unknown>) => JSON.stringify({ ...baseActivity('bob', bot.connector.url), type: 'message', text: 'pim status', ...extra });

describe('malformed activities', () => {
  const cases: [string, number, () => Promise<{ status: number }>][] = [
    ['a JSON null body', 400, () => postRaw('null')],
    ['a JSON array body', 400, () => postRaw('[]')],
    ['a JSON string body', 400, () => postRaw('"hello"')],
    ['a JSON number body', 400, () => postRaw('42')],
    ['a body that is not JSON', 400, () => postRaw('{"type":')],
    ['an empty body', 400, () => postRaw('')],
    ['a 20,000-deep JSON array', 400, () => postRaw(deep(20_000))],
    ['an activity 65 objects deep', 400, () => postRaw(message({ channelData: JSON.parse(`${'{"a":'.repeat(64)}1${'}'.repeat(64)}`) }))],
    ['invalid UTF-8', 400, () => postRaw(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]))],
    ['a body over 512 KiB', 413, () => postRaw(message({ text: 'x'.repeat(600 * 1024) }))],
    ['an activity without a type', 400, () => postRaw(message({ type: undefined }))],
    ['an activity whose type is a number', 400, () => postRaw(message({ type: 7 }))],
    ['a NUL byte in the conversation id', 400, () => postRaw(message({ conversation: { id: 'a:personal-bob\u0000', conversationType: 'personal' } }))],
    ['an unpaired surrogate in the sender name', 400, () => postRaw(message({ from: { id: '29:bob', name: 'bob\uD800', aadObjectId: '00000000-0000-0000-0000-000000000B0B' } }))],
    ['an escape character in the service URL', 400, () => postRaw(message({ serviceUrl: `${bot.connector.url}\u001b` }))],
  ];

  it.each(cases)('%s: answered %i, the bot serves on and nothing changed', async (_name, status, send) => {
    const res = await expectNothingChanged(send);
    expect(res.status).toBe(status);
  });
});

describe('control characters typed by a user', () => {
  it('answers a NUL byte in a command with what it is, and runs nothing', async () => {
    // Sent twice: the first refreshes where to reach Bob (as every message does); the second must change nothing.
    await bot.message('bob', 'pim activate Reader 1h --reason "x\u0000"');
    const calls = bot.connector.calls.length;
    const res = await expectNothingChanged(() => bot.message('bob', 'pim activate Reader 1h --reason "fix\u0000it"'));
    expect(res.status).toBe(200);
    const reply = JSON.stringify(bot.connector.calls[calls]?.body);
    expect(reply).toContain('invisible control character, U+0000 (NUL)');
    expect((await bot.app.pim.myRoles(bot.app.pim.actorFor('bob@example.com', 'teams'))).find((r) => r.role === 'Reader')?.active).toBeNull();
  });

  it('answers a control character in a card form field, and runs nothing', async () => {
    await bot.invoke('carol', DENY_SUBMIT, { requestId: 'R-AAAAAAA', [DENY_REASON]: 'x' });
    const res = await expectNothingChanged(() => bot.invoke('carol', DENY_SUBMIT, { requestId: 'R-AAAAAAA', [DENY_REASON]: 'no\u001b[2J' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(res.body.value).toContain('What you entered contains an invisible control character, U+001B (ESC)');
  });

  it('answers a NUL byte in a button’s request id, and runs nothing', async () => {
    const res = await expectNothingChanged(() => bot.invoke('carol', DENY_SUBMIT, { requestId: 'R-AAA\u0000AAAA', [DENY_REASON]: 'no' }));
    expect(res.body.value).toContain('U+0000 (NUL)');
  });
});
