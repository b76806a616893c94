import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, type GrantTarget } from '../../../src/core/index.js';
import {
  parseRetryAfter,
  signWebhookBody,
  verifyWebhookSignature,
  WebhookProvider,
} from '../../../src/providers/webhook.js';

const SECRET = 'shared-webhook-secret';
const NOW = new Date('2025-01-02T03:04:05.678Z');
const now = (): Date => NOW;

const TARGET: GrantTarget = {
  assignmentId: 'asg_123',
  principalId: 'alice@example.com',
  role: 'Owner',
  scope: '/subscriptions/prod',
  endsAt: new Date('2025-01-02T04:04:05.000Z'),
  requestId: 'R7K2Q',
};

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real HTTP receiver on 127.0.0.1 that records requests and answers with `respond`. */
class Receiver {
  readonly received: Received[] = [];
  respond: (res: ServerResponse, req: Received) => void = (res) => res.writeHead(204).end();
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
        this.received.push(r);
        this.respond(res, r);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function rejection(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => {
      throw new Error('expected the delivery to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('WebhookProvider', () => {
  let receiver: Receiver;
  let base: string;

  beforeEach(async () => {
    receiver = new Receiver();
    base = await receiver.start();
  });

  afterEach(async () => {
    await receiver.stop();
  });

  const provider = (path = '/hooks/pim', timeoutMs?: number): WebhookProvider =>
    new WebhookProvider({ url: `${base}${path}`, secret: SECRET, timeoutMs, now });

  it('is an out-of-line provider named webhook', () => {
    const p = provider();
    expect(p.name).toBe('webhook');
    expect(p.inline).toBe(false);
  });

  it('POSTs the grant as JSON with every field', async () => {
    await provider().grant(TARGET);
    expect(receiver.received).toHaveLength(1);
    const r = receiver.received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/hooks/pim');
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({
      event: 'grant',
      assignmentId: 'asg_123',
      principal: 'alice@example.com',
      role: 'Owner',
      scope: '/subscriptions/prod',
      endsAt: '2025-01-02T04:04:05.000Z',
      requestId: 'R7K2Q',
      sentAt: '2025-01-02T03:04:05.678Z',
    });
  });

  it('signs the exact body bytes with HMAC-SHA256 of the shared secret', async () => {
    await provider().grant(TARGET);
    const r = receiver.received[0]!;
    const header = r.headers['x-pim-signature'] as string;
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(header).toBe(signWebhookBody(r.body, SECRET));
    expect(verifyWebhookSignature(r.body, header, SECRET)).toBe(true);
    expect(verifyWebhookSignature(r.body, header, 'another-secret')).toBe(false);
  });

  it('sends the clock time as x-pim-timestamp (unix seconds)', async () => {
    await provider().grant(TARGET);
    expect(receiver.received[0]!.headers['x-pim-timestamp']).toBe(String(Math.floor(NOW.getTime() / 1000)));
  });

  it('sends a stable idempotency key per assignment and event', async () => {
    const p = provider();
    await p.grant(TARGET);
    await p.grant(TARGET);
    await p.revoke(TARGET);
    expect(receiver.received.map((r) => r.headers['x-pim-delivery'])).toEqual([
      'asg_123:grant',
      'asg_123:grant',
      'asg_123:revoke',
    ]);
  });

  it('POSTs a revoke with null end and request for a permanent, admin-made assignment', async () => {
    await provider().revoke({ ...TARGET, endsAt: null, requestId: null });
    expect(JSON.parse(receiver.received[0]!.body.toString('utf8'))).toMatchObject({
      event: 'revoke',
      endsAt: null,
      requestId: null,
    });
  });

  it('signs non-ASCII content byte for byte', async () => {
    await provider().grant({ ...TARGET, principalId: 'zoë@example.com', scope: '/équipe/東京' });
    const r = receiver.received[0]!;
    expect(JSON.parse(r.body.toString('utf8')).principal).toBe('zoë@example.com');
    expect(verifyWebhookSignature(r.body, r.headers['x-pim-signature'] as string, SECRET)).toBe(true);
  });

  it.each([200, 201, 202, 204])('treats %i as delivered', async (status) => {
    receiver.respond = (res) => res.writeHead(status).end(status === 204 ? undefined : '{"ok":true}');
    await expect(provider().grant(TARGET)).resolves.toBeUndefined();
  });

  it('throws a retryable DeliveryError on 500', async () => {
    receiver.respond = (res) => res.writeHead(500).end('database is down');
    const err = await rejection(provider().grant(TARGET));
    expect(err.permanent).toBe(false);
    expect(err.retryAfterMs).toBeUndefined();
    expect(err.message).toContain('500');
    expect(err.message).toContain('database is down');
  });

  it('throws a retryable DeliveryError on 503', async () => {
    receiver.respond = (res) => res.writeHead(503).end();
    const err = await rejection(provider().revoke(TARGET));
    expect(err.permanent).toBe(false);
  });

  it('takes retryAfterMs from Retry-After seconds on 429', async () => {
    receiver.respond = (res) => res.writeHead(429, { 'retry-after': '7' }).end();
    const err = await rejection(provider().grant(TARGET));
    expect(err.permanent).toBe(false);
    expect(err.retryAfterMs).toBe(7000);
  });

  it('takes retryAfterMs from a Retry-After HTTP date, measured from the injected clock', async () => {
    const later = new Date(NOW.getTime() + 120_000 + 322); // HTTP dates have whole seconds
    receiver.respond = (res) => res.writeHead(503, { 'retry-after': later.toUTCString() }).end();
    const err = await rejection(provider().grant(TARGET));
    expect(err.retryAfterMs).toBe(120_000 - 678 + 1000);
  });

  it('throws a permanent DeliveryError on 400', async () => {
    receiver.respond = (res) => res.writeHead(400).end('unknown role');
    const err = await rejection(provider().grant(TARGET));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('400');
    expect(err.message).toContain('unknown role');
  });

  it.each([401, 403, 404, 422])('throws a permanent DeliveryError on %i', async (status) => {
    receiver.respond = (res) => res.writeHead(status).end();
    expect((await rejection(provider().grant(TARGET))).permanent).toBe(true);
  });

  it('does not follow a redirect: the configured URL must be the final one', async () => {
    receiver.respond = (res, r) =>
      r.url === '/moved' ? res.writeHead(204).end() : res.writeHead(302, { location: '/moved' }).end();
    const err = await rejection(provider().grant(TARGET));
    expect(err.permanent).toBe(true);
    expect(receiver.received.map((r) => r.url)).toEqual(['/hooks/pim']);
  });

  it('keeps the URL path (which may hold a token) out of error messages', async () => {
    receiver.respond = (res) => res.writeHead(500).end();
    const err = await rejection(provider('/hooks/T0KEN-s3cr3t').grant(TARGET));
    expect(err.message).not.toContain('T0KEN');
    expect(err.message).toContain(base);
  });

  it('gives up with a retryable timeout error when the receiver never answers', async () => {
    receiver.respond = () => {}; // hold the request open
    const started = performance.now();
    const err = await rejection(provider('/hooks/pim', 200).grant(TARGET));
    const elapsed = performance.now() - started;
    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(/timed out after 200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
  });

  it('times out when the receiver sends headers but never finishes an error body', async () => {
    receiver.respond = (res) => {
      res.writeHead(500, { 'content-length': '100' });
      res.write('partial');
    };
    const started = performance.now();
    const err = await rejection(provider('/hooks/pim', 200).grant(TARGET));
    expect(err.permanent).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('throws a retryable DeliveryError when the connection is refused', async () => {
    const url = base;
    await receiver.stop();
    receiver = new Receiver(); // afterEach stops a fresh, unused receiver
    await receiver.start();
    const err = await rejection(new WebhookProvider({ url, secret: SECRET, now }).grant(TARGET));
    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('refuses a bad configuration at construction', () => {
    expect(() => new WebhookProvider({ url: 'not a url', secret: SECRET, now })).toThrow(/url/);
    expect(() => new WebhookProvider({ url: 'ftp://example.com/x', secret: SECRET, now })).toThrow(/http/);
    expect(() => new WebhookProvider({ url: 'https://example.com/x', secret: '', now })).toThrow(/secret/);
    expect(() => new WebhookProvider({ url: 'https://example.com/x', secret: SECRET, timeoutMs: 0, now })).toThrow(
      /timeoutMs/,
    );
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"event":"grant","assignmentId":"a1"}';
  const good = signWebhookBody(body, SECRET);

  it('accepts the signature of the exact body', () => {
    expect(verifyWebhookSignature(body, good, SECRET)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), good, SECRET)).toBe(true);
  });

  it('accepts upper-case hex and surrounding spaces', () => {
    expect(verifyWebhookSignature(body, ` sha256=${good.slice(7).toUpperCase()} `, SECRET)).toBe(true);
  });

  it('refuses a changed body', () => {
    expect(verifyWebhookSignature(body.replace('a1', 'a2'), good, SECRET)).toBe(false);
    expect(verifyWebhookSignature(`${body} `, good, SECRET)).toBe(false);
  });

  it.each([undefined, null, '', 'sha256=', good.slice(7), `sha1=${good.slice(7)}`, `${good}00`, good.slice(0, -2)])(
    'refuses the malformed header %j',
    (header) => {
      expect(verifyWebhookSignature(body, header, SECRET)).toBe(false);
    },
  );
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 02 Jan 2025 03:05:06 GMT', NOW)).toBe(60_322);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
  });
});
