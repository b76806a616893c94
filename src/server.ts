/**
 * The one HTTP server: adapters mount their routes (Slack events, Bot Framework messages, the
 * playground), next to /healthz and /metrics.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from './logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface Route {
  method?: string;
  /** Exact path, or a prefix when it ends with `/*`. */
  path: string;
  handler: RouteHandler;
}

export function matchRoute(routes: Route[], method: string, pathname: string): Route | undefined {
  return routes.find((r) => {
    if (r.method && r.method !== method) return false;
    if (r.path.endsWith('/*')) return pathname === r.path.slice(0, -2) || pathname.startsWith(r.path.slice(0, -1));
    return pathname === r.path;
  });
}

export function createHttpServer(routes: Route[], logger: Logger): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!route) {
      const pathKnown = routes.some((r) => r.path === url.pathname);
      sendJson(res, pathKnown ? 405 : 404, { error: pathKnown ? 'method not allowed' : 'not found' });
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, res, url))
      .catch((err: unknown) => {
        logger.error({ err, path: url.pathname }, 'request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts
  return server;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
