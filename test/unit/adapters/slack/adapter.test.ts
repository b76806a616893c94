/**
 * The Slack adapter as the composition root sees it: in HTTP mode one route, `POST /slack/events`
 * (Bolt opens no port of its own); in Socket Mode none; its bot ids from one auth.test at start.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackAdapter, type SlackAdapter } from '../../../../adapters/slack/index.js';
import type { ChatAdapterDeps } from '../../../../adapters/types.js';
import { loadEnv } from '../../../../src/config/env.js';
import { Directory, type Pim } from '../../../../src/core/index.js';
import { createLogger } from '../../../../src/logger.js';
import { createMetrics } from '../../../../src/metrics.js';
import { FakeSlack } from '../../../support/fake-slack.js';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function deps(env: Record<string, string>): ChatAdapterDeps {
  const directory = new Directory([], [], []);
  return {
    pim: { directory } as unknown as Pim,
    env: loadEnv({ SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent', ...env }),
    config: { channels: {}, slack: { teamIds: [], enterpriseId: null } } as unknown as ChatAdapterDeps['config'],
    clock: { now: () => new Date() },
    logger: createLogger('silent'),
    metrics: createMetrics(),
    dedupe: { claimOnce: async () => true },
    conversations: { save: async () => {}, get: async () => null },
    mfa: { enroll: async () => ({ secret: '', uri: '' }) },
  };
}

describe('slackAdapter', () => {
  it('in HTTP mode mounts POST /slack/events and calls auth.test once, at start', async () => {
    const a = (await slackAdapter(deps({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))) as SlackAdapter;
    expect(a.platform).toBe('slack');
    expect(a.routes.map((r) => [r.method, r.path])).toEqual([['POST', '/slack/events']]);
    expect(a.messenger.platform).toBe('slack');
    expect(fake.calls.map((c) => [c.method, c.auth])).toEqual([['auth.test', 'Bearer xoxb-1']]);
    await a.start?.();
    await a.stop?.();
  });

  it('in Socket Mode mounts no route', async () => {
    const a = await slackAdapter(deps({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }));
    expect(a.routes).toEqual([]);
  });

  it('starts without its bot ids when auth.test fails', async () => {
    fake.failNext('auth.test', 'invalid_auth');
    const a = await slackAdapter(deps({ SLACK_BOT_TOKEN: 'xoxb-bad', SLACK_SIGNING_SECRET: 's' }));
    expect(a.routes).toHaveLength(1);
  });

  it('refuses to start without Slack credentials', async () => {
    await expect(Promise.resolve().then(() => slackAdapter(deps({})))).rejects.toThrow(/SLACK_BOT_TOKEN/);
  });
});
