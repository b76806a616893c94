/**
 * Bot Framework tokens on /api/messages, checked by the real bot (TEAMS_APP_ID set) against a
 * local OpenID key server (test/support/bot-framework-keys.ts), never the internet: a correctly
 * signed token is accepted; every forged one (another key, `alg: none`, HS256 with the public key
 * as the secret, a changed claim, expired, not yet valid, the wrong audience, issuer, service URL
 * or key id) is a 401 and changes nothing; and when the key endpoint cannot be reached the
 * answer is a 503, logged, and nothing runs.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsAdapterWith } from '../../../adapters/teams/index.js';
import { BotFrameworkKeys, type TokenOptions } from '../../support/bot-framework-keys.js';
import { freePort } from '../../support/child-bot.js';
import { tableSnapshot } from '../../support/db.js';
import { baseActivity, startTeamsBot, type TeamsBot, type Who } from './harness.js';

const APP_ID = '9f0c1d2e-3b4a-4c5d-8e6f-708192a3b4c5';
const JWT_ENV = { PIM_DEV_MODE: 'false', TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'not-a-real-secret' };

/** A personal-chat conversationUpdate: authenticated, it stores where to reach the user, and sends nothing. */
const installed = (bot: TeamsBot, who: Who) => ({ ...baseActivity(who, bot.connector.url), type: 'conversationUpdate', membersAdded: [{ id: `29:${who}` }] });

describe('tokens checked against the signing keys', () => {
  let keys: BotFrameworkKeys;
  let bot: TeamsBot;
  beforeAll(async () => {
    keys = await BotFrameworkKeys.start();
    bot = await startTeamsBot({ env: JWT_ENV, adapters: [teamsAdapterWith(keys.botAuthOverrides())] });
  });
  afterAll(async () => {
    await bot?.close();
    await keys?.close();
  });

  // botbuilder reads the service URL from the lower-case `serviceurl` claim.
  const claims = (extra: Record<string, unknown> = {}) => ({ aud: APP_ID, serviceurl: bot.connector.url, ...extra });
  const send = (token: string, who: Who = 'bob') => bot.post(installed(bot, who), { authorization: `Bearer ${token}` });

  it('accepts a correctly signed channel token, with the keys fetched from the local server', async () => {
    const before = await tableSnapshot(bot.database.db);
    const res = await send(keys.token({ claims: claims() }));
    expect(res.status).toBe(200);
    expect(keys.requests).toEqual(expect.arrayContaining(['/openid', '/keys']));
    // It ran: where to reach Bob is now stored.
    expect((await tableSnapshot(bot.database.db)).conversation_refs).not.toEqual(before.conversation_refs);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const forged: [string, () => TokenOptions][] = [
    ['signed with another key', () => ({ claims: claims(), forgery: 'wrong-key' })],
    ['alg: none, without a signature', () => ({ claims: claims(), forgery: 'alg-none' })],
    ['HS256 with the public key as the HMAC secret', () => ({ claims: claims(), forgery: 'hs256-public-key' })],
    ['a claim changed after signing', () => ({ claims: claims(), forgery: 'tampered' })],
    ['expired an hour ago', () => ({ claims: claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }) })],
    ['not valid for another hour', () => ({ claims: claims({ nbf: now() + 3600 }) })],
    ['for another bot (audience)', () => ({ claims: claims({ aud: '00000000-1111-2222-3333-444444444444' }) })],
    ['from another issuer', () => ({ claims: claims({ iss: 'https://evil.example.com' }) })],
    ['for another service URL', () => ({ claims: claims({ serviceurl: 'https://evil.example.com/' }) })],
    ['under a key id the server does not have', () => ({ claims: claims(), kid: 'unknown-key' })],
  ];

  it.each(forged)('answers 401 to a token %s, runs nothing, and keeps serving', async (_name, options) => {
    const before = await tableSnapshot(bot.database.db);
    const res = await send(keys.token(options()), 'alice');
    expect(res.status).toBe(401);
    expect(await tableSnapshot(bot.database.db)).toEqual(before);
    expect(bot.connector.calls).toHaveLength(0);
    // Still serving: a good token is accepted right after.
    expect((await send(keys.token({ claims: claims() }))).status).toBe(200);
  });

  it('answers 401 to a token that is not a JWT at all, and to a Basic header', async () => {
    expect((await bot.post(installed(bot, 'alice'), { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    expect((await bot.post(installed(bot, 'alice'), { authorization: 'Basic YWxpY2U6cGFzcw==' })).status).toBe(401);
  });
});

describe('when the signing-key endpoint cannot be reached', () => {
  let keys: BotFrameworkKeys;
  let bot: TeamsBot;
  const logged: { level: number; msg: string }[] = [];
  beforeAll(async () => {
    keys = await BotFrameworkKeys.start();
    // Nothing listens on this port: the metadata fetch is refused.
    const nowhere = `http://127.0.0.1:${await freePort()}/openid`;
    const logger = pino({ level: 'info' }, { write: (s: string) => logged.push(JSON.parse(s) as { level: number; msg: string }) });
    bot = await startTeamsBot({
      env: JWT_ENV,
      logger,
      adapters: [teamsAdapterWith({ ToBotFromChannelOpenIdMetadataUrl: nowhere, ToBotFromEmulatorOpenIdMetadataUrl: nowhere })],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await keys?.close();
  });

  it('answers 503, says why in the log, and runs nothing', async () => {
    const before = await tableSnapshot(bot.database.db);
    const token = keys.token({ claims: { aud: APP_ID, serviceurl: bot.connector.url } });
    const res = await bot.post(installed(bot, 'bob'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'the Bot Framework signing keys could not be fetched; try again later' });
    expect(await tableSnapshot(bot.database.db)).toEqual(before);
    const line = logged.find((l) => l.msg.includes('signing keys (OpenID metadata and JWKS) could not be fetched'));
    expect(line?.level).toBe(50);
    // Still serving.
    expect((await fetch(`${bot.app.url}/healthz`)).status).toBe(200);
  });
});
