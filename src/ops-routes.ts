/**
 * The operations endpoints on the bot's HTTP server:
 * - `GET /healthz`: 200 `{"status":"ok"}` when the database answers, 503 `{"status":"unavailable"}`
 *   otherwise, and nothing more (no database kind, version or host), so it can stay open to
 *   load balancers and probes.
 * - `GET /metrics`: Prometheus text, which tells whoever reads it how busy the bot is and what is
 *   being activated. With METRICS_TOKEN it needs `Authorization: Bearer <METRICS_TOKEN>` from
 *   anywhere; without it, it answers only a client on this host (a loopback address) that came
 *   through no proxy (no Forwarded, X-Forwarded-For or X-Real-IP header), and 401 to anyone else.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import { sendJson, type Route } from './server.js';

export interface OpsRoutesOptions {
  /** Whether the database answers. */
  ping: () => Promise<boolean>;
  metrics: Metrics;
  /** METRICS_TOKEN, when set. */
  metricsToken?: string;
}

/** Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** Whether an address is this host's own: 127.0.0.0/8 or ::1, also IPv4-mapped. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** Compares by hash, so neither the length nor a prefix of the token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Null when the request may read /metrics, else what to tell it. */
export function metricsRefusal(req: IncomingMessage, token: string | undefined): string | null {
  if (token !== undefined) {
    const header = req.headers.authorization;
    const given = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : null;
    return given !== null && sameSecret(given, token) ? null : 'send Authorization: Bearer <METRICS_TOKEN>';
  }
  const proxied = FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined);
  if (isLoopback(req.socket.remoteAddress) && !proxied) return null;
  return '/metrics answers only this host unless METRICS_TOKEN is set; set it and send Authorization: Bearer <METRICS_TOKEN>';
}

function refuse(res: ServerResponse, message: string): void {
  res.setHeader('www-authenticate', 'Bearer realm="pimbot metrics"');
  sendJson(res, 401, { error: message });
}

export function opsRoutes(o: OpsRoutesOptions): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: async (_req, res) => {
        const ok = await o.ping().catch(() => false);
        res.setHeader('cache-control', 'no-store');
        sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (req, res) => {
        const refusal = metricsRefusal(req, o.metricsToken);
        if (refusal) return refuse(res, refusal);
        const body = await o.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': o.metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
    },
  ];
}
