/**
 * Bot Connector failures as the outbox understands them: 429 waits for Retry-After, 408, 5xx and
 * network errors are retried with backoff, 401/403/404 (and other 4xx) are permanent.
 */
import { DeliveryError } from '../../src/core/index.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** The HTTP status of a connector error (`statusCode` on botframework's RestError), if any. */
export function statusOf(err: unknown): number | null {
  if (!isObj(err)) return null;
  for (const v of [err.statusCode, err.status, isObj(err.response) ? err.response.status : undefined]) {
    if (typeof v === 'number' && v >= 100 && v < 600) return v;
  }
  return null;
}

function header(err: Obj, name: string): string | null {
  const headers = isObj(err.response) ? err.response.headers : undefined;
  if (!isObj(headers)) return null;
  if (typeof headers.get === 'function') {
    const v = (headers.get as (n: string) => unknown).call(headers, name);
    return typeof v === 'string' ? v : null;
  }
  const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return hit && typeof hit[1] === 'string' ? hit[1] : null;
}

/** Longest wait honoured from a Retry-After header. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** Retry-After of a connector error in milliseconds (delta-seconds or an HTTP date), if any. */
export function retryAfterMs(err: unknown, now: Date): number | null {
  if (!isObj(err)) return null;
  const v = header(err, 'retry-after');
  if (v === null || v.trim() === '') return null;
  const t = v.trim();
  const ms = /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : Date.parse(t) - now.getTime();
  if (!Number.isFinite(ms)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/** Turns whatever a connector call threw into a DeliveryError the dispatcher acts on. */
export function toDeliveryError(err: unknown, what: string, now: Date): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const status = statusOf(err);
  const reason = err instanceof Error ? err.message : String(err);
  const message = `Teams ${what} failed${status ? ` (HTTP ${status})` : ''}: ${reason.slice(0, 300)}`;
  const after = retryAfterMs(err, now) ?? undefined;
  // 429, and 503 with Retry-After, ask the bot to wait: that is not a failed attempt.
  if (status === 429 || (status === 503 && after !== undefined)) return DeliveryError.rateLimited(message, after);
  if (status === 408) return new DeliveryError(message, after);
  if (status !== null && status >= 500) return new DeliveryError(message, after);
  if (status !== null && status >= 400) return new DeliveryError(message, undefined, true);
  return new DeliveryError(message);
}
