/** /healthz and /metrics (src/ops-routes.ts): what they say and whom /metrics answers. */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics.js';
import { isLoopback, metricsRefusal, opsRoutes } from '../../../src/ops-routes.js';

const request = (remoteAddress: string, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

/** Runs a route handler against a recording response. */
async function answer(route: ReturnType<typeof opsRoutes>[number], req: IncomingMessage): Promise<{ status: number; body: string }> {
  const out = { status: 0, body: '' };
  const res = Object.assign(new EventEmitter(), {
    headersSent: false,
    setHeader() {},
    writeHead(status: number) {
      out.status = status;
    },
    end(body?: string) {
      out.body = body ?? '';
    },
  }) as unknown as ServerResponse;
  await route.handler(req, res, new URL('http://localhost/'));
  return out;
}

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('counts %s as this host', (a) => expect(isLoopback(a)).toBe(true));
  it.each(['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '', undefined])('does not count %s', (a) => expect(isLoopback(a)).toBe(false));
});

describe('metricsRefusal', () => {
  const TOKEN = 'a-metrics-token-of-32-characters';

  it('without METRICS_TOKEN answers a loopback client, and no one else', () => {
    expect(metricsRefusal(request('127.0.0.1'), undefined)).toBeNull();
    expect(metricsRefusal(request('10.1.2.3'), undefined)).toMatch(/only this host unless METRICS_TOKEN is set/);
  });

  it('without METRICS_TOKEN refuses a loopback client that came through a proxy', () => {
    for (const h of ['forwarded', 'x-forwarded-for', 'x-real-ip']) expect(metricsRefusal(request('127.0.0.1', { [h]: '203.0.113.9' }), undefined)).not.toBeNull();
  });

  it('with METRICS_TOKEN needs the bearer token, from anywhere, loopback included', () => {
    expect(metricsRefusal(request('10.1.2.3', { authorization: `Bearer ${TOKEN}` }), TOKEN)).toBeNull();
    expect(metricsRefusal(request('10.1.2.3', { authorization: `bearer ${TOKEN}` }), TOKEN)).toBeNull();
    expect(metricsRefusal(request('127.0.0.1'), TOKEN)).toBe('send Authorization: Bearer <METRICS_TOKEN>');
    expect(metricsRefusal(request('127.0.0.1', { authorization: `Bearer ${TOKEN}x` }), TOKEN)).not.toBeNull();
    expect(metricsRefusal(request('127.0.0.1', { authorization: `Basic ${TOKEN}` }), TOKEN)).not.toBeNull();
    expect(metricsRefusal(request('127.0.0.1', { authorization: 'Bearer ' }), TOKEN)).not.toBeNull();
  });
});

describe('/healthz', () => {
  const healthz = (ping: () => Promise<boolean>) => opsRoutes({ ping, metrics: createMetrics() }).find((r) => r.path === '/healthz')!;

  it('says ok and nothing else when the database answers', async () => {
    expect(await answer(healthz(async () => true), request('10.1.2.3'))).toEqual({ status: 200, body: '{"status":"ok"}' });
  });

  it('says unavailable and nothing else when it does not, or the ping throws', async () => {
    expect(await answer(healthz(async () => false), request('10.1.2.3'))).toEqual({ status: 503, body: '{"status":"unavailable"}' });
    expect(await answer(healthz(() => Promise.reject(new Error('connection refused to db.internal:5432'))), request('10.1.2.3'))).toEqual({ status: 503, body: '{"status":"unavailable"}' });
  });
});
