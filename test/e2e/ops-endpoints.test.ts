/**
 * /metrics and /healthz over real HTTP into the real bot (startApp, dev mode off, bound to
 * 0.0.0.0 as in production): without METRICS_TOKEN /metrics answers only this host, not a
 * client on another address nor one through a proxy; with it, only the bearer token, from
 * anywhere. /healthz says `{"status":"ok"}` and nothing else.
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppHandle } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import { parsePimConfig } from '../../src/config/pim-config.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { TEST_ENCRYPTION_KEY } from '../support/keys.js';

const TOKEN = 'test-metrics-token-0123456789abcdef';
const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice }
admins: [alice@example.com]
roles:
  - name: Reader
    scopes: [/]
`;

/** An address of this machine that is not loopback, to reach the bot as another host would. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database?.close();
});

async function startBot(env: Record<string, string> = {}): Promise<AppHandle> {
  return startApp({
    env: loadEnv({ PIM_DEV_MODE: 'false', HOST: '0.0.0.0', LOG_LEVEL: 'silent', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...env }),
    config: parsePimConfig(CONFIG, 'ops.pim.config.yaml'),
    database,
    port: 0,
    adapters: [],
    noDeadlineLoop: true,
  });
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe('without METRICS_TOKEN', () => {
  let app: AppHandle;
  beforeAll(async () => {
    app = await startBot();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves /metrics to a client on this host', async () => {
    const res = await get(`http://127.0.0.1:${app.port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('pimbot_outbox_depth');
  });

  it('answers 401 to a client on this host that came through a proxy', async () => {
    const res = await get(`http://127.0.0.1:${app.port}/metrics`, { 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="pimbot metrics"');
    expect(await res.json()).toEqual({ error: '/metrics answers only this host unless METRICS_TOKEN is set; set it and send Authorization: Bearer <METRICS_TOKEN>' });
  });

  it.runIf(outside)('answers 401 to a client on another address', async () => {
    const res = await get(`http://${outside}:${app.port}/metrics`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('pimbot_');
  });

  it('answers /healthz with the status and nothing else, from anywhere', async () => {
    for (const host of ['127.0.0.1', ...(outside ? [outside] : [])]) {
      const res = await get(`http://${host}:${app.port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"status":"ok"}');
    }
  });
});

describe('with METRICS_TOKEN', () => {
  let app: AppHandle;
  beforeAll(async () => {
    app = await startBot({ METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 401 without the token, or with another one, even on this host', async () => {
    expect((await get(`http://127.0.0.1:${app.port}/metrics`)).status).toBe(401);
    expect((await get(`http://127.0.0.1:${app.port}/metrics`, { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
    expect((await get(`http://127.0.0.1:${app.port}/metrics`, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status).toBe(401);
  });

  it('serves /metrics to the bearer of the token, from this host and another address', async () => {
    for (const host of ['127.0.0.1', ...(outside ? [outside] : [])]) {
      const res = await get(`http://${host}:${app.port}/metrics`, { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('pimbot_activations_total');
    }
  });

  it('still needs no token for /healthz', async () => {
    const res = await get(`http://127.0.0.1:${app.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('METRICS_TOKEN itself', () => {
  it('is refused when too short to be a secret, without echoing it', () => {
    expect(() => loadEnv({ METRICS_TOKEN: 'short-token' })).toThrow(/METRICS_TOKEN: expected at least 16 characters without spaces/);
    try {
      loadEnv({ METRICS_TOKEN: 'short-token' });
    } catch (e) {
      expect(String(e)).not.toContain('short-token');
    }
  });
});
