/**
 * Webhook grants: each grant and revoke is a signed JSON POST to a system that applies it.
 *
 * Receiver contract:
 * - verify `x-pim-signature` over the raw body with `verifyWebhookSignature` before parsing;
 * - refuse bodies whose `sentAt` is too old (the timestamp is inside the signed body);
 * - deduplicate on `x-pim-delivery` (`<assignmentId>:<event>`): the same delivery may arrive
 *   more than once, because a failed or timed-out attempt is retried;
 * - answer 2xx when applied, 429/5xx to be retried later (`Retry-After` is honoured), and
 *   another 4xx only when retrying can never help.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DeliveryError, type GrantProvider, type GrantTarget, type HeldGrant } from '../core/index.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
export const SIGNATURE_HEADER = 'x-pim-signature';
export const TIMESTAMP_HEADER = 'x-pim-timestamp';
export const DELIVERY_HEADER = 'x-pim-delivery';

export type WebhookEvent = 'grant' | 'revoke';

/** The JSON body a receiver gets. Instants are ISO 8601 strings. */
export interface WebhookBody {
  event: WebhookEvent;
  assignmentId: string;
  principal: string;
  role: string;
  scope: string;
  endsAt: string | null;
  requestId: string | null;
  sentAt: string;
}

export interface WebhookProviderOptions {
  /** http(s) URL that receives the POSTs. */
  url: string;
  /** Shared secret for the HMAC-SHA256 signature. */
  secret: string;
  /** Abort an attempt after this long (default 5000 ms). */
  timeoutMs?: number;
  now: () => Date;
}

/** `sha256=<hex>` of the HMAC-SHA256 of `body` with `secret`. */
export function signWebhookBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * For receivers: true when `header` is the signature of exactly these body bytes. Compare the raw
 * body as received, before any JSON parsing or re-serialisation.
 */
export function verifyWebhookSignature(body: string | Uint8Array, header: string | null | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from((match[1] as string).toLowerCase(), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(given, expected);
}

export class WebhookProvider implements GrantProvider {
  readonly name = 'webhook';
  readonly inline = false;
  private readonly url: URL;
  private readonly secret: string;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(options: WebhookProviderOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error('webhook provider: url is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`webhook provider: url must be http or https, got ${url.protocol}`);
    }
    if (!options.secret) throw new Error('webhook provider: secret must not be empty');
    const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new Error(`webhook provider: timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    this.url = url;
    this.secret = options.secret;
    this.timeoutMs = timeoutMs;
    this.now = options.now;
  }

  grant(a: GrantTarget): Promise<void> {
    return this.deliver('grant', a);
  }

  revoke(a: GrantTarget): Promise<void> {
    return this.deliver('revoke', a);
  }

  /** The receiver's state is its own: nothing to compare. */
  async list(_at: { role: string; scope: string }): Promise<HeldGrant[] | null> {
    return null;
  }

  private async deliver(event: WebhookEvent, a: GrantTarget): Promise<void> {
    const sentAt = this.now();
    const payload: WebhookBody = {
      event,
      assignmentId: a.assignmentId,
      principal: a.principalId,
      role: a.role,
      scope: a.scope,
      endsAt: a.endsAt ? a.endsAt.toISOString() : null,
      requestId: a.requestId,
      sentAt: sentAt.toISOString(),
    };
    const body = JSON.stringify(payload);
    // Only the origin goes into messages: webhook paths and queries often carry tokens.
    const where = `webhook ${event} ${a.assignmentId} to ${this.url.origin}`;

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      let res: Response;
      try {
        res = await fetch(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhookBody(body, this.secret),
            [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1000)),
            [DELIVERY_HEADER]: `${a.assignmentId}:${event}`,
          },
          body,
          // A redirected POST may turn into a GET elsewhere; the configured URL must be the final one.
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (err) {
        if (controller.signal.aborted) {
          throw new DeliveryError(`${where} timed out after ${this.timeoutMs} ms`);
        }
        throw new DeliveryError(`${where} failed: ${describeNetworkError(err)}`);
      }

      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => undefined);
        return;
      }
      const detail = await readSnippet(res);
      const message = `${where} answered ${res.status}${detail ? `: ${detail}` : ''}`;
      // 408 is the receiver timing out on us: as retryable as our own timeout.
      if (res.status === 429 || res.status === 408 || res.status >= 500) {
        throw new DeliveryError(message, parseRetryAfter(res.headers.get('retry-after'), sentAt));
      }
      throw new DeliveryError(message, undefined, true);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from `now`; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates always name a day or month; this keeps Date.parse's leniency ("-5" is a year) out.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

async function readSnippet(res: Response): Promise<string> {
  try {
    const text = await res.text();
    return text.replace(/\s+/g, ' ').trim().slice(0, 200);
  } catch {
    return '';
  }
}

function describeNetworkError(err: unknown): string {
  // undici reports "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND, ...) in `cause`.
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
