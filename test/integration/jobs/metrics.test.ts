/**
 * What /metrics reports, on the app as src/app.ts wires it (test database, fake clock, a
 * recording Messenger standing in for a chat platform): activations and approvals counted from
 * committed audit rows, expiry lag, outbox depth, delivery latency and failures; /healthz.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppHandle } from '../../../src/app.js';
import { ManualClock } from '../../../src/clock.js';
import { loadEnv } from '../../../src/config/env.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { DeliveryError, type MessageRef, type Messenger, type Notice, type Recipient } from '../../../src/core/index.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { HOUR, pimConfigYaml, PROD, START } from '../../support/pim.js';

class Recorder implements Messenger {
  readonly platform = 'slack' as const;
  sent: Notice[] = [];
  failures = 0;
  canReach(): boolean {
    return true;
  }
  async send(_to: Recipient, notice: Notice): Promise<MessageRef> {
    if (this.failures > 0) {
      this.failures--;
      throw new DeliveryError('rate limited');
    }
    this.sent.push(notice);
    return { platform: 'slack', conversation: 'D1', messageId: `m${this.sent.length}` };
  }
  async update(): Promise<void> {}
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The value of one sample of the Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries((m[2] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=').map((s) => s.replace(/^"|"$/g, '')) as [string, string]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

let database: TestDatabase;
let app: AppHandle;
const clock = new ManualClock(START);
const messenger = new Recorder();

beforeAll(async () => {
  database = await testDatabase();
  app = await startApp({
    env: loadEnv({ PIM_DEV_MODE: 'true', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }),
    config: parsePimConfig(pimConfigYaml(), 'pim.config.yaml', { env: {} }),
    clock,
    database,
    port: 0,
    adapters: [() => ({ platform: 'slack', routes: [], messenger })],
    dispatcher: { baseBackoffMs: 50, pollMs: 100 },
  });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

const metrics = async (): Promise<string> => {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

describe('/metrics', () => {
  it('counts activations, approvals and refusals from what was committed', async () => {
    const pim = app.pim;
    const alice = pim.actorFor('alice@example.com', 'slack');
    const carol = pim.actorFor('carol@example.com', 'slack');
    await pim.activate(alice, { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    const owner = await pim.activate(alice, { role: 'Owner', durationMs: HOUR, reason: 'incident', ticket: 'INC-1' });
    await pim.approve(carol, owner.request.id);
    await expect(pim.approve(carol, owner.request.id)).rejects.toThrow();
    await expect(pim.approve(alice, owner.request.id)).rejects.toThrow();

    const text = await metrics();
    expect(sample(text, 'pimbot_activations_total', { outcome: 'requested' })).toBe(2);
    expect(sample(text, 'pimbot_activations_total', { outcome: 'started' })).toBe(2);
    expect(sample(text, 'pimbot_approvals_total', { outcome: 'approved' })).toBe(1);
    expect(sample(text, 'pimbot_approvals_total', { outcome: 'refused' })).toBe(2);
  });

  it('reports delivery latency, failures and the outbox depth', async () => {
    await waitFor(async () => sample(await metrics(), 'pimbot_outbox_depth') === 0, 'the outbox to drain');
    const before = sample(await metrics(), 'pimbot_delivery_latency_ms_count', { type: 'message', platform: 'slack' }) ?? 0;
    expect(before).toBeGreaterThan(0);

    messenger.failures = 1;
    await app.dispatcher.stop();
    // From the CLI: the holder is told by DM (from chat the answer says it, and no DM goes).
    await app.pim.deactivate(app.pim.actorFor('alice@example.com', 'cli'), 'Contributor');
    expect(sample(await metrics(), 'pimbot_outbox_depth')).toBeGreaterThan(0);
    app.dispatcher.start();
    await waitFor(async () => sample(await metrics(), 'pimbot_delivery_failures_total', { type: 'message', platform: 'slack', final: 'false' }) === 1, 'a failed attempt');
    clock.advance(1_000); // past the retry's backoff
    app.dispatcher.wake();
    await waitFor(async () => sample(await metrics(), 'pimbot_outbox_depth') === 0, 'the retry');
    expect(sample(await metrics(), 'pimbot_activations_total', { outcome: 'deactivated' })).toBe(1);
  });

  it('observes the expiry lag of each expired activation', async () => {
    clock.set(new Date(START.getTime() + HOUR + 250));
    app.deadlines.wake();
    await waitFor(async () => sample(await metrics(), 'pimbot_expiry_lag_ms_count') === 1, 'the expiry');
    const text = await metrics();
    expect(sample(text, 'pimbot_expiry_lag_ms_sum')).toBe(250);
    expect(sample(text, 'pimbot_expiry_lag_ms_bucket', { le: '250' })).toBe(1);
    expect(sample(text, 'pimbot_expiry_lag_ms_bucket', { le: '100' })).toBe(0);
    expect(sample(text, 'pimbot_activations_total', { outcome: 'expired' })).toBe(1);
  });
});

describe('/healthz', () => {
  it('reports the database as reachable', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});
