/**
 * A recording fake Bot Framework Connector on 127.0.0.1, for the Teams e2e suite: the bot's
 * replies, proactive posts, card updates and conversation creations land here (the activities the
 * tests send carry `serviceUrl` = this server). Every call is recorded with its parsed JSON body;
 * a test can make the next matching calls fail (e.g. 429 with Retry-After).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ConnectorCallKind = 'send' | 'reply' | 'update' | 'create' | 'upload' | 'other';

export interface ConnectorCall {
  kind: ConnectorCallKind;
  method: string;
  path: string;
  /** Decoded conversation id from the path (send, reply, update). */
  conversationId: string | null;
  /** `replyToId` (reply) or the updated activity's id (update), decoded. */
  activityId: string | null;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (null when there was none). */
  body: any;
  /** The id the fake answered with (send, reply, create), or the failure status it answered. */
  answeredId: string | null;
  status: number;
}

export interface Failure {
  match: (call: ConnectorCall) => boolean;
  status: number;
  /** Seconds for a Retry-After header. */
  retryAfter?: number;
  /** How many matching calls fail (default 1). */
  times?: number;
}

export interface FakeConnector {
  /** The service URL to put in activities, ending in `/`. */
  readonly url: string;
  readonly calls: ConnectorCall[];
  /** Makes the next `times` calls matching `match` fail with `status`. */
  failNext(failure: Failure): void;
  /** Waits until a recorded call matches (polls); throws with what was recorded on timeout. */
  waitFor(match: (call: ConnectorCall) => boolean, timeoutMs?: number): Promise<ConnectorCall>;
  /** Waits until `count` recorded calls match. */
  waitForCount(match: (call: ConnectorCall) => boolean, count: number, timeoutMs?: number): Promise<ConnectorCall[]>;
  clear(): void;
  close(): Promise<void>;
}

const ACTIVITIES = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const CONVERSATIONS = /^\/v3\/conversations\/?$/;

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const failures: (Failure & { left: number })[] = [];
  let seq = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readJson(req);
      const method = req.method ?? 'GET';
      const m = ACTIVITIES.exec(url.pathname);
      let kind: ConnectorCallKind = 'other';
      let conversationId: string | null = null;
      let activityId: string | null = null;
      if (m) {
        conversationId = decodeURIComponent(m[1] as string);
        activityId = m[2] ? decodeURIComponent(m[2]) : null;
        kind = method === 'PUT' ? 'update' : method === 'POST' ? (activityId ? 'reply' : 'send') : 'other';
      } else if (method === 'POST' && CONVERSATIONS.test(url.pathname)) {
        kind = 'create';
      } else if (method === 'PUT' && url.pathname.startsWith('/upload/')) {
        // A OneDrive upload slot, as a file consent's uploadInfo names it.
        kind = 'upload';
      }
      const call: ConnectorCall = { kind, method, path: url.pathname, conversationId, activityId, headers: req.headers, body, answeredId: null, status: 200 };

      const failure = failures.find((f) => f.left > 0 && f.match(call));
      if (failure) {
        failure.left -= 1;
        call.status = failure.status;
        calls.push(call);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
        res.writeHead(failure.status, headers);
        res.end(JSON.stringify({ error: { code: 'FakeFailure', message: `fake connector answered ${failure.status}` } }));
        return;
      }

      let answer: Record<string, unknown>;
      switch (kind) {
        case 'send':
        case 'reply':
          call.answeredId = `act-${++seq}`;
          answer = { id: call.answeredId };
          break;
        case 'update':
          answer = { id: activityId };
          break;
        case 'create':
          call.answeredId = `a:dm-${++seq}`;
          answer = { id: call.answeredId };
          break;
        case 'upload':
          call.status = 201;
          answer = {};
          break;
        default:
          call.status = 404;
          answer = { error: { code: 'NotFound', message: `fake connector does not serve ${method} ${url.pathname}` } };
      }
      calls.push(call);
      res.writeHead(call.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  const waitForCount = async (match: (c: ConnectorCall) => boolean, count: number, timeoutMs = 5_000): Promise<ConnectorCall[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = calls.filter(match);
      if (hits.length >= count) return hits;
      if (Date.now() > deadline) {
        const seen = calls.map((c) => `${c.status} ${c.method} ${c.path}`).join('\n  ');
        throw new Error(`fake connector: ${hits.length} of ${count} expected calls after ${timeoutMs} ms; recorded:\n  ${seen || '(none)'}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    failNext(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    waitFor: async (match, timeoutMs) => (await waitForCount(match, 1, timeoutMs))[0] as ConnectorCall,
    waitForCount,
    clear() {
      calls.length = 0;
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A new message in a conversation. Botbuilder posts proactive messages through the reply route
 * too (`/activities/{continuation id}`), which the connector treats as a post to the conversation.
 */
export const isPost = (c: ConnectorCall): boolean => c.kind === 'send' || c.kind === 'reply';

/** The Adaptive Card in a recorded activity (its first card attachment), or null. */
export function cardOf(body: any): any {
  const a = (body?.attachments ?? []).find((x: any) => x?.contentType === 'application/vnd.microsoft.card.adaptive');
  return a?.content ?? null;
}

/** Every Action.Execute in a card (card-level and inside ActionSets), as `{ verb, data, title }`. */
export function executeActions(card: any): { verb: string; data: any; title: string }[] {
  const out: { verb: string; data: any; title: string }[] = [];
  const visit = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    if (node.type === 'Action.Execute') out.push({ verb: node.verb, data: node.data, title: node.title });
    for (const [k, v] of Object.entries(node)) if (k !== 'refresh') visit(v);
  };
  visit(card);
  return out;
}

/** All TextBlock/FactSet text of a card joined with newlines, for "what a person sees" assertions. */
export function cardText(card: any): string {
  const out: string[] = [];
  const visit = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    if (node.type === 'TextBlock' && typeof node.text === 'string') out.push(node.text);
    if (node.type === 'FactSet') for (const f of node.facts ?? []) out.push(`${f.title}: ${f.value}`);
    for (const [k, v] of Object.entries(node)) if (k !== 'refresh') visit(v);
  };
  visit(card);
  return out.join('\n');
}
