/** How Bot Connector failures become DeliveryErrors the outbox retries or gives up on. */
import { describe, expect, it } from 'vitest';
import { retryAfterMs, statusOf, toDeliveryError } from '../../../../adapters/teams/errors.js';
import { DeliveryError } from '../../../../src/core/index.js';

const NOW = new Date('2025-06-03T12:00:00Z');

/** A botframework RestError-like failure, with headers behind `get` as in @azure/core-rest-pipeline. */
function restError(statusCode: number, headers: Record<string, string> = {}): Error {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, response: { status: statusCode, headers: { get: (n: string) => lower[n.toLowerCase()] } } });
}

describe('statusOf', () => {
  it('reads statusCode, status or response.status', () => {
    expect(statusOf(restError(429))).toBe(429);
    expect(statusOf({ status: 503 })).toBe(503);
    expect(statusOf({ response: { status: 404 } })).toBe(404);
  });

  it('is null for a network error', () => {
    expect(statusOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeNull();
    expect(statusOf('boom')).toBeNull();
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds', () => {
    expect(retryAfterMs(restError(429, { 'Retry-After': '7' }), NOW)).toBe(7_000);
  });

  it('reads an HTTP date', () => {
    expect(retryAfterMs(restError(429, { 'retry-after': new Date(NOW.getTime() + 30_000).toUTCString() }), NOW)).toBe(30_000);
  });

  it('reads plain header objects too', () => {
    expect(retryAfterMs({ response: { headers: { 'Retry-After': '2' } } }, NOW)).toBe(2_000);
  });

  it('is null without the header or with nonsense, and never negative or endless', () => {
    expect(retryAfterMs(restError(429), NOW)).toBeNull();
    expect(retryAfterMs(restError(429, { 'retry-after': 'soon' }), NOW)).toBeNull();
    expect(retryAfterMs(restError(429, { 'retry-after': new Date(NOW.getTime() - 5_000).toUTCString() }), NOW)).toBe(0);
    expect(retryAfterMs(restError(429, { 'retry-after': '999999' }), NOW)).toBe(3_600_000);
  });
});

describe('toDeliveryError', () => {
  it('waits for Retry-After on 429', () => {
    const e = toDeliveryError(restError(429, { 'retry-after': '3' }), 'send', NOW);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.permanent).toBe(false);
    expect(e.retryAfterMs).toBe(3_000);
    expect(e.rateLimited).toBe(true); // waiting, not a failed attempt
    expect(e.message).toMatch(/HTTP 429/);
  });

  it('retries 429 without Retry-After with the outbox backoff', () => {
    const e = toDeliveryError(restError(429), 'send', NOW);
    expect(e.permanent).toBe(false);
    expect(e.retryAfterMs).toBeUndefined();
  });

  it.each([500, 502, 503, 504, 408])('retries %i', (status) => {
    expect(toDeliveryError(restError(status), 'update', NOW).permanent).toBe(false);
  });

  it.each([401, 403, 404, 400])('gives up on %i', (status) => {
    expect(toDeliveryError(restError(status), 'send', NOW).permanent).toBe(true);
  });

  it('retries network errors', () => {
    const e = toDeliveryError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'send', NOW);
    expect(e.permanent).toBe(false);
    expect(e.message).toMatch(/socket hang up/);
  });

  it('passes a DeliveryError through unchanged', () => {
    const original = new DeliveryError('no conversation', undefined, true);
    expect(toDeliveryError(original, 'send', NOW)).toBe(original);
  });
});

describe('503 with Retry-After', () => {
  it('is a rate limit (waiting, not an attempt); without the header it is a retryable failure', () => {
    const limited = toDeliveryError(restError(503, { 'retry-after': '2' }), 'send', NOW);
    expect(limited).toMatchObject({ rateLimited: true, permanent: false, retryAfterMs: 2_000 });
    const plain = toDeliveryError(restError(503), 'send', NOW);
    expect(plain).toMatchObject({ rateLimited: false, permanent: false });
  });
});
