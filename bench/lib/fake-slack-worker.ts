/**
 * A fake Slack for the benchmark, in its own thread so it costs the bot's event loop nothing (real
 * Slack is across the network): the Web API (`/api/<method>`) and the response URLs
 * (`/response/<id>`), each answered 200 at once. It remembers when each response URL got its
 * answer and whether the answer reported an activation, and hands that over on request.
 *
 * Messages in: `{ type: 'collect' }` -> `{ type: 'collected', answers: [id, atMs, kind][], api: { method: count }, connections }`
 * (everything since the last collect).
 * `{ type: 'watch', channels: string[] }`: from then on every `chat.postMessage` to one of `channels`
 * is reported as it arrives, `{ type: 'posted', channel, atMs, text }` (text: the message's `text`
 * and its `blocks` as JSON, to match it to what caused it); `channels: []` stops it.
 * Out at start: `{ type: 'ready', origin }`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('fake-slack-worker runs as a worker thread');

/** Absolute ms, comparable with the other threads of this process. */
const now = () => performance.timeOrigin + performance.now();

/** The answer to a command, as the benchmark classifies it: an activation, another reply, or an error. */
export type AnswerKind = 'activation' | 'reply' | 'error';

let answers: [string, number, AnswerKind][] = [];
let api: Record<string, number> = {};
let seq = 0;
let connections = 0;
let watched = new Set<string>();

/** What `watch` reports for each `chat.postMessage` to a watched channel. */
export interface Posted {
  type: 'posted';
  channel: string;
  /** When its request body had arrived (absolute ms, as `answers`). */
  atMs: number;
  text: string;
}

function classify(raw: string): AnswerKind {
  // cards/ render an activation as "Reader at / is active until …" and refusals starting with ⚠️.
  const text = (() => {
    try {
      return String((JSON.parse(raw) as { text?: unknown }).text ?? '');
    } catch {
      return raw;
    }
  })();
  if (/already active/i.test(text)) return 'error';
  if (/ is active until /.test(text)) return 'activation';
  if (text.startsWith('⚠️') || /\bnot eligible\b/i.test(text)) return 'error';
  return 'reply';
}

function answerApi(method: string): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return { ok: true, url: 'https://pim-bench.slack.com/', team: 'PIM Bench', user: 'pimbot', team_id: 'T0PIM', user_id: 'U0PIMBOT', bot_id: 'B0PIMBOT' };
    case 'chat.postMessage':
      seq += 1;
      return { ok: true, channel: 'D0BENCH', ts: `1700000000.${String(seq).padStart(6, '0')}` };
    case 'chat.update':
      return { ok: true };
    case 'users.info':
      return { ok: false, error: 'user_not_found' };
    case 'views.open':
    case 'views.update':
    case 'views.publish':
      seq += 1;
      return { ok: true, view: { id: `V${seq}` } };
    default:
      return { ok: true };
  }
}

/** The channel and text of a Web API call's body (form-encoded, as @slack/web-api sends it, or JSON). */
function messageOf(raw: string, contentType: string | undefined): { channel: string; text: string } {
  const field = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  if (contentType?.includes('application/json')) {
    try {
      const body = JSON.parse(raw) as Record<string, unknown>;
      return { channel: field(body.channel), text: `${field(body.text)}\n${field(body.blocks)}` };
    } catch {
      return { channel: '', text: raw };
    }
  }
  const form = new URLSearchParams(raw);
  return { channel: form.get('channel') ?? '', text: `${form.get('text') ?? ''}\n${form.get('blocks') ?? ''}` };
}

function send(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/response/')) {
      answers.push([decodeURIComponent(path.slice('/response/'.length)), now(), classify(Buffer.concat(chunks).toString('utf8'))]);
      return send(res, { ok: true });
    }
    const method = path.startsWith('/api/') ? path.slice('/api/'.length) : path;
    api[method] = (api[method] ?? 0) + 1;
    if (method === 'chat.postMessage' && watched.size > 0) {
      const atMs = now();
      const m = messageOf(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
      if (watched.has(m.channel)) port.postMessage({ type: 'posted', channel: m.channel, atMs, text: m.text } satisfies Posted);
    }
    send(res, answerApi(method));
  });
});
server.keepAliveTimeout = 65_000;
server.on('connection', () => (connections += 1));

server.listen(0, '127.0.0.1', () => {
  port.postMessage({ type: 'ready', origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

port.on('message', (m: { type: string; channels?: string[] }) => {
  if (m.type === 'watch') {
    watched = new Set(m.channels ?? []);
  } else if (m.type === 'collect') {
    port.postMessage({ type: 'collected', answers, api, connections });
    answers = [];
    api = {};
    connections = 0;
  } else if (m.type === 'close') {
    server.close();
    server.closeAllConnections();
    port.close();
  }
});
