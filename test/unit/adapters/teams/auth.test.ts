/** How /api/messages authenticates, decided from the environment. */
import { describe, expect, it, vi } from 'vitest';
import { authMode, botConfiguration, classifyAuthFailure, createBotAdapter, routingLibraryConsole } from '../../../../adapters/teams/auth.js';
import { loadEnv } from '../../../../src/config/env.js';
import { createLogger } from '../../../../src/logger.js';

const APP_ID = '9f0c1d2e-3b4a-4c5d-8e6f-708192a3b4c5';
const TENANT = '11111111-2222-3333-4444-555555555555';
const logger = createLogger('silent');

describe('authMode', () => {
  it('validates tokens whenever TEAMS_APP_ID is set, even in dev mode', () => {
    expect(authMode(loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'p' }))).toBe('jwt');
    expect(authMode(loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'p', PIM_DEV_MODE: 'true' }))).toBe('jwt');
  });

  it('is open only in dev mode, and refused otherwise', () => {
    expect(authMode(loadEnv({}))).toBe('dev'); // auto: nothing configured
    expect(authMode(loadEnv({ PIM_DEV_MODE: 'false' }))).toBe('refused');
    expect(authMode(loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))).toBe('refused'); // auto: Slack configured
  });
});

describe('createBotAdapter', () => {
  it('builds a CloudAdapter for a single-tenant registration with its tenant', () => {
    const env = loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'p', TEAMS_APP_TENANT_ID: TENANT, TEAMS_APP_TYPE: 'SingleTenant' });
    expect(botConfiguration(env)).toEqual({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p', MicrosoftAppTenantId: TENANT, MicrosoftAppType: 'SingleTenant' });
    const bot = createBotAdapter(env, logger);
    expect(bot.mode).toBe('jwt');
    expect(bot.adapter).not.toBeNull();
    expect(bot.appId).toBe(APP_ID);
  });

  it('has no adapter when refused, so nothing can run', () => {
    const bot = createBotAdapter(loadEnv({ PIM_DEV_MODE: 'false' }), logger);
    expect(bot).toEqual({ mode: 'refused', adapter: null, auth: null, appId: '' });
  });
});

describe('classifyAuthFailure', () => {
  const named = (name: string, message = name) => Object.assign(new Error(message), { name });
  const withStatus = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

  it.each([
    ['a bad signature', named('JsonWebTokenError', 'invalid signature')],
    ['an algorithm not allowed (alg none, HS256)', named('JsonWebTokenError', 'invalid algorithm')],
    ['an expired token', named('TokenExpiredError', 'jwt expired')],
    ['a token not valid yet', named('NotBeforeError', 'jwt not active')],
    ['botbuilder refusing the identity', withStatus(401, 'Unauthorized. Invalid AppId passed on token')],
  ])('answers 401 to %s', (_name, err) => {
    expect(classifyAuthFailure(err).status).toBe(401);
  });

  it.each([
    ['a key endpoint that answered with an error', withStatus(500, 'Failed to load openID config: 404')],
    ['a key endpoint that cannot be reached', named('FetchError', 'request to http://127.0.0.1:9/ failed, reason: connect ECONNREFUSED')],
    ['anything else, which says nothing about the token', new TypeError('Only absolute URLs are supported')],
  ])('answers 503 to %s', (_name, err) => {
    expect(classifyAuthFailure(err).status).toBe(503);
  });
});

describe('routingLibraryConsole', () => {
  it("sends what the token check writes to console.error (an expired token's stack) to the given sink, as one line per call", async () => {
    const heard: string[] = [];
    const printed = vi.spyOn(process.stderr, 'write');
    const expired = Object.assign(new Error('jwt expired'), { name: 'TokenExpiredError' });
    await routingLibraryConsole(
      (text) => heard.push(text),
      async () => {
        await new Promise((r) => setTimeout(r, 5));
        console.error(expired);
      },
    );
    expect(heard).toEqual(['TokenExpiredError: jwt expired']);
    expect(printed.mock.calls.some(([chunk]) => String(chunk).includes('jwt expired'))).toBe(false);
    printed.mockRestore();
  });

  it('routes what each check writes to its own sink when several run at once', async () => {
    const heard: Record<string, string[]> = { a: [], b: [] };
    const check = (name: 'a' | 'b', delayMs: number) =>
      routingLibraryConsole(
        (text) => heard[name]?.push(text),
        async () => {
          await new Promise((r) => setTimeout(r, delayMs));
          console.error(`refused ${name}`);
        },
      );
    await Promise.all([check('a', 20), check('b', 5)]);
    expect(heard).toEqual({ a: ['refused a'], b: ['refused b'] });
  });
});
