/**
 * A recording fake of Slack for tests: the Web API the bot calls (on 127.0.0.1, through
 * SLACK_API_URL), the response URLs it answers commands and buttons on, and a sender that signs
 * requests into the bot's `/slack/events` exactly as Slack does (form-encoded slash commands,
 * `payload=<json>` interactions, JSON events, `v0=` HMAC-SHA256 signatures).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call the fake answered. */
/** One file uploaded through the external upload flow; `content` is null until its bytes arrived. */
/**
 * Milliseconds since the epoch on a clock that only moves forward (`performance`), for the times
 * the fake records: a step of the machine's wall clock (this VM's is stepped now and then) must
 * not shorten a rate-limit window or reorder calls. Tests compare these with `monotonicNow()`.
 */
export const monotonicNow = (): number => performance.timeOrigin + performance.now();

export interface UploadedFile {
  id: string;
  filename: string;
  /** The length `files.getUploadURLExternal` was told. */
  length: number;
  content: string | null;
  /** Where `files.completeUploadExternal` shared it (null: not shared, or not completed). */
  channel: string | null;
  title: string | null;
  initialComment: string | null;
}

export interface SlackCall {
  method: string;
  /** The arguments, form or JSON; `blocks`, `view` and other JSON-valued fields parsed. */
  args: Record<string, any>;
  /** The Authorization header (`Bearer xoxb-…`), if any. */
  auth: string | null;
  /** HTTP status answered (429 when rate-limited). */
  status: number;
  /** Whether the answer said `ok: true`. */
  ok: boolean;
  at: number;
}

/** One POST to a response URL (a command's or a message's). */
export interface ResponsePost {
  id: string;
  body: Record<string, any>;
  at: number;
}

/** A message as it stands in the fake workspace, after every update. */
export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: any[];
  /** How many times chat.update changed it. */
  updates: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `probe` until it returns something truthy; throws naming `what` after the timeout. */
export async function eventually<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}

const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata', 'user_ids']);

function parseArgs(raw: string, contentType: string | undefined): Record<string, any> {
  if (contentType?.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, any>) : {};
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // keep the string
      }
    }
    out[k] = v;
  }
  return out;
}

/** The content of the first part of a multipart/form-data body; the body itself when it is not multipart. */
function firstPart(raw: string, contentType: string | undefined): string {
  const boundary = /^multipart\/form-data;.*boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];
  if (!boundary) return raw;
  const part = raw.split(`--${boundary}`)[1] ?? '';
  const start = part.indexOf('\r\n\r\n');
  return start < 0 ? '' : part.slice(start + 4, part.endsWith('\r\n') ? -2 : undefined);
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** A limit `enforceLimit` keeps: the times of the calls it answered, per scope. */
interface EnforcedLimit {
  max: number;
  windowMs: number;
  perChannel: boolean;
  answered: Map<string, number[]>;
}

export const FAKE_BOT = { userId: 'U0PIMBOT', botId: 'B0PIMBOT', teamId: 'T0PIM', team: 'PIM Test' } as const;

/** The fake Slack Web API and response URLs. */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: ResponsePost[] = [];
  readonly messages = new Map<string, PostedMessage>();
  /** The App Home last published for each user. */
  readonly homes = new Map<string, any>();
  /**
   * Files uploaded as Slack's external upload flow does them: `files.getUploadURLExternal` gives
   * an id and a URL, the bytes are POSTed there, `files.completeUploadExternal` shares them.
   */
  readonly files = new Map<string, UploadedFile>();
  private readonly users = new Map<string, { email?: string; deleted?: boolean; emailConfirmed?: boolean }>();
  private readonly limited = new Map<string, { times: number; retryAfterSec: number }>();
  private readonly limitedUntil = new Map<string, { until: number; retryAfterSec: number }>();
  private readonly enforced = new Map<string, EnforcedLimit[]>();
  private readonly failing = new Map<string, { times: number; error: string }>();
  private readonly broken = new Map<string, { times: number; status: number }>();
  private readonly expired = new Set<string>();
  private readonly held = new Map<string, Promise<void>>();
  private readonly latencies = new Map<string, number>();
  private seq = 0;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>` */
    readonly origin: string,
  ) {}

  static async start(): Promise<FakeSlack> {
    const holder: { fake?: FakeSlack } = {};
    const server = createServer((req, res) => {
      void holder.fake?.handle(req, res).catch((err: unknown) => send(res, 500, { ok: false, error: String(err) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeSlack(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.fake;
  }

  /** The base URL for SLACK_API_URL (without the trailing slash, as people write it). */
  get apiUrl(): string {
    return `${this.origin}/api`;
  }

  /** A response URL on the fake, like Slack's `https://hooks.slack.com/commands/…`. */
  responseUrl(id: string): string {
    return `${this.origin}/response/${encodeURIComponent(id)}`;
  }

  /** Makes the response URL `id` answer 404, as Slack does once one has expired (30 minutes, 5 uses). */
  expireResponseUrl(id: string): void {
    this.expired.add(id);
  }

  /** A Slack user `users.info` and `users.lookupByEmail` know. */
  setUser(id: string, profile: { email?: string; deleted?: boolean; emailConfirmed?: boolean } = {}): void {
    this.users.set(id, profile);
  }

  /** The next `times` calls to `method` get HTTP 429 with `Retry-After: retryAfterSec`. */
  rateLimit(method: string, times: number, retryAfterSec = 1): void {
    this.limited.set(method, { times, retryAfterSec });
  }

  /**
   * Every call to `method` in the next `ms` gets HTTP 429 with `Retry-After: retryAfterSec`,
   * however often it is retried: Slack throttling the app for a while, not a count of calls.
   */
  rateLimitFor(method: string, ms: number, retryAfterSec = 1): void {
    this.limitedUntil.set(method, { until: monotonicNow() + ms, retryAfterSec });
  }

  /**
   * Enforces a limit on `method` from now on, as Slack does: at most `max` answered calls in any
   * `windowMs`, workspace-wide or per `channel` argument. A call over it gets HTTP 429 with a
   * Retry-After of the whole seconds until the window has room, and does not count. Several
   * limits on one method all apply (per channel and workspace-wide, say).
   */
  enforceLimit(method: string, limit: { max: number; windowMs: number; perChannel?: boolean }): void {
    this.enforced.set(method, [...(this.enforced.get(method) ?? []), { ...limit, perChannel: limit.perChannel ?? false, answered: new Map() }]);
  }

  /** The next `times` calls to `method` get `{ ok: false, error }`. */
  failNext(method: string, error: string, times = 1): void {
    this.failing.set(method, { times, error });
  }

  /** The next `times` calls to `method` get a bare HTTP `status` (e.g. 503). */
  httpError(method: string, status: number, times = 1): void {
    this.broken.set(method, { times, status });
  }

  /** Calls to `method` get no answer until the returned function is called (they are recorded at once). */
  hold(method: string): () => void {
    let release: () => void = () => {};
    this.held.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.held.delete(method);
      release();
    };
  }

  /** Calls to `method` are answered `ms` later (recorded at once), as a slow Slack would (0: at once). */
  latency(method: string, ms: number): void {
    if (ms > 0) this.latencies.set(method, ms);
    else this.latencies.delete(method);
  }

  /** Calls to `method` made so far, answered or not, optionally filtered. */
  callsMade(method: string, where: (c: SlackCall) => boolean = () => true): SlackCall[] {
    return this.calls.filter((c) => c.method === method && where(c));
  }

  /** Calls to `method` answered `ok: true`, optionally filtered. */
  callsTo(method: string, where: (c: SlackCall) => boolean = () => true): SlackCall[] {
    return this.calls.filter((c) => c.method === method && c.ok && where(c));
  }

  /** Waits for a successful call to `method` matching `where`. */
  waitForCall(method: string, where: (c: SlackCall) => boolean = () => true, options?: WaitOptions): Promise<SlackCall> {
    return eventually(() => this.callsTo(method, where)[0], `a ${method} call`, options);
  }

  /** Waits for a POST to the response URL `id` (matching `where`). */
  waitForResponse(id: string, where: (body: Record<string, any>) => boolean = () => true, options?: WaitOptions): Promise<ResponsePost> {
    return eventually(() => this.responses.find((r) => r.id === id && where(r.body)), `a post to response URL ${id}`, options);
  }

  /** The message as it stands now. */
  message(channel: string, ts: string): PostedMessage | undefined {
    return this.messages.get(`${channel}/${ts}`);
  }

  /** Forgets every call, message, user and failure (between tests). */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.messages.clear();
    this.homes.clear();
    this.files.clear();
    this.users.clear();
    this.limited.clear();
    this.limitedUntil.clear();
    this.enforced.clear();
    this.failing.clear();
    this.broken.clear();
    this.expired.clear();
    this.held.clear();
    this.latencies.clear();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const raw = await readAll(req);
    if (url.pathname.startsWith('/response/')) {
      const id = decodeURIComponent(url.pathname.slice('/response/'.length));
      if (this.expired.has(id)) return send(res, 404, { ok: false, error: 'expired_url' });
      this.responses.push({ id, body: raw ? (JSON.parse(raw) as Record<string, any>) : {}, at: monotonicNow() });
      return send(res, 200, { ok: true });
    }
    if (url.pathname.startsWith('/upload/')) {
      const file = this.files.get(decodeURIComponent(url.pathname.slice('/upload/'.length)));
      if (!file || file.content !== null) return send(res, 404, { ok: false, error: 'not_found' });
      // The SDK posts the bytes as multipart form data (Slack takes raw bytes too).
      file.content = firstPart(raw, req.headers['content-type']);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${Buffer.byteLength(raw)}`);
      return;
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });
    const method = url.pathname.slice('/api/'.length);
    const call: SlackCall = { method, args: parseArgs(raw, req.headers['content-type']), auth: req.headers.authorization ?? null, status: 200, ok: false, at: monotonicNow() };
    this.calls.push(call);
    const gate = this.held.get(method);
    if (gate) await gate;
    const latency = this.latencies.get(method);
    if (latency) await new Promise((r) => setTimeout(r, latency));

    const limit = this.limited.get(method);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      return this.tooMany(res, call, limit.retryAfterSec);
    }
    const window = this.limitedUntil.get(method);
    if (window && call.at < window.until) return this.tooMany(res, call, window.retryAfterSec);
    const over = this.overEnforced(method, call);
    if (over !== null) return this.tooMany(res, call, over);
    const broken = this.broken.get(method);
    if (broken && broken.times > 0) {
      broken.times -= 1;
      call.status = broken.status;
      return send(res, broken.status, { ok: false, error: 'http_error' });
    }
    const failure = this.failing.get(method);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      return send(res, 200, { ok: false, error: failure.error });
    }
    const answer = this.answer(method, call.args);
    call.ok = answer.ok === true;
    send(res, 200, answer);
  }

  private tooMany(res: ServerResponse, call: SlackCall, retryAfterSec: number): void {
    call.status = 429;
    send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfterSec) });
  }

  /** Seconds to wait when a call breaks an enforced limit; otherwise null, and the call is counted. */
  private overEnforced(method: string, call: SlackCall): number | null {
    const limits = this.enforced.get(method) ?? [];
    const scoped = limits.map((l) => {
      const scope = l.perChannel ? String(call.args.channel ?? '') : '';
      const recent = (l.answered.get(scope) ?? []).filter((t) => t > call.at - l.windowMs);
      l.answered.set(scope, recent);
      return { l, recent };
    });
    const full = scoped.filter(({ l, recent }) => recent.length >= l.max);
    if (full.length > 0) return Math.max(...full.map(({ l, recent }) => Math.max(1, Math.ceil(((recent[0] as number) + l.windowMs - call.at) / 1000))));
    for (const { recent } of scoped) recent.push(call.at);
    return null;
  }

  private nextTs(): string {
    this.seq += 1;
    return `1700000000.${String(this.seq).padStart(6, '0')}`;
  }

  private answer(method: string, a: Record<string, any>): Record<string, any> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://pim-test.slack.com/', team: FAKE_BOT.team, user: 'pimbot', team_id: FAKE_BOT.teamId, user_id: FAKE_BOT.userId, bot_id: FAKE_BOT.botId };
      case 'chat.postMessage': {
        const target = String(a.channel ?? '');
        if (!target) return { ok: false, error: 'channel_not_found' };
        // Posting to a user id opens (or reuses) the IM with that user.
        const channel = /^[UW]/.test(target) ? `D${target.slice(1)}` : target;
        const ts = this.nextTs();
        this.messages.set(`${channel}/${ts}`, { channel, ts, text: String(a.text ?? ''), blocks: Array.isArray(a.blocks) ? a.blocks : [], updates: 0 });
        return { ok: true, channel, ts, message: { type: 'message', text: a.text, blocks: a.blocks, ts } };
      }
      case 'chat.update': {
        const m = this.messages.get(`${String(a.channel)}/${String(a.ts)}`);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = String(a.text ?? '');
        m.blocks = Array.isArray(a.blocks) ? a.blocks : [];
        m.updates += 1;
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'views.open':
      case 'views.update':
      case 'views.push':
        return { ok: true, view: { ...(a.view as object), id: `V${String(++this.seq).padStart(8, '0')}`, hash: randomBytes(4).toString('hex') } };
      case 'views.publish':
        this.homes.set(String(a.user_id), a.view);
        return { ok: true, view: { ...(a.view as object), id: `VHOME${String(a.user_id)}` } };
      case 'users.info': {
        const u = this.users.get(String(a.user));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: a.user, name: String(a.user).toLowerCase(), deleted: u.deleted ?? false, is_bot: false, is_email_confirmed: u.emailConfirmed ?? true, profile: { ...(u.email ? { email: u.email } : {}) } },
        };
      }
      case 'conversations.open': {
        const user = String(a.users ?? '');
        if (!/^[UW]/.test(user)) return { ok: false, error: 'user_not_found' };
        return { ok: true, channel: { id: `D${user.slice(1)}` } };
      }
      case 'files.getUploadURLExternal': {
        if (!a.filename || !(Number(a.length) > 0)) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(++this.seq).padStart(8, '0')}`;
        this.files.set(id, { id, filename: String(a.filename), length: Number(a.length), content: null, channel: null, title: null, initialComment: null });
        return { ok: true, upload_url: `${this.origin}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = (typeof a.files === 'string' ? JSON.parse(a.files) : a.files) as { id: string; title?: string }[];
        const found = list.map((f) => this.files.get(f.id));
        if (found.some((f) => !f || f.content === null)) return { ok: false, error: 'file_not_found' };
        for (const [k, f] of found.entries()) {
          f!.channel = a.channel_id ? String(a.channel_id) : null;
          f!.title = list[k]!.title ?? null;
          f!.initialComment = a.initial_comment ? String(a.initial_comment) : null;
        }
        return { ok: true, files: found.map((f) => ({ id: f!.id, title: f!.title })) };
      }
      case 'users.lookupByEmail': {
        const hit = [...this.users].find(([, u]) => u.email?.toLowerCase() === String(a.email).toLowerCase());
        return hit ? { ok: true, user: { id: hit[0] } } : { ok: false, error: 'users_not_found' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

// ---------------------------------------------------------------- requests into the bot

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret, as Slack signs. */
export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Seconds since the epoch (default now). */
  timestamp?: number;
  /** Override the signature (e.g. a wrong one). */
  signature?: string;
  /** Adds `x-slack-retry-num` (and a retry reason), as Slack does when it retries. */
  retryNum?: number;
}

export interface SentRequest {
  status: number;
  body: string;
}

/** A user as Slack describes them in payloads. */
export interface SlackUser {
  id: string;
  name?: string;
}

/** A button as the bot rendered it (from a posted message or a published view). */
export interface RenderedButton {
  action_id: string;
  value?: string;
  text?: { text?: string };
}

/** Every button in a list of blocks (actions blocks and section accessories). */
export function buttonsIn(blocks: any[]): RenderedButton[] {
  return blocks.flatMap((b: any) => [...(b?.type === 'actions' ? (b.elements as RenderedButton[]) : []), ...(b?.accessory?.type === 'button' ? [b.accessory as RenderedButton] : [])]);
}

/** The text a person reads in a list of blocks (sections, fields, context, headers), one line per block. */
export function textOf(blocks: any[]): string {
  const texts: string[] = [];
  for (const b of blocks) {
    if (b?.text?.text) texts.push(String(b.text.text));
    for (const f of b?.fields ?? []) texts.push(String(f.text));
    for (const e of b?.type === 'context' ? (b.elements ?? []) : []) if (e?.text) texts.push(String(e.text));
  }
  return texts.join('\n');
}

/** Sends requests into the bot's `/slack/events` as Slack does, signed with the app's signing secret. */
export class SlackSender {
  private seq = 0;

  constructor(
    /** The bot's events URL, e.g. `http://127.0.0.1:<port>/slack/events`. */
    readonly eventsUrl: string,
    readonly signingSecret: string,
    /** Where response URLs point. */
    readonly fake: FakeSlack,
    readonly teamId: string = FAKE_BOT.teamId,
  ) {}

  /** Posts a raw body with Slack's headers. */
  async post(body: string, contentType: string, options: SendOptions = {}): Promise<SentRequest> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(this.signingSecret, timestamp, body),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const res = await fetch(this.eventsUrl, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text() };
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${Date.now().toString(36)}${this.seq}${randomBytes(3).toString('hex')}`;
  }

  /** The form body of a slash command. */
  commandBody(user: SlackUser, text: string, options: { channel?: string; triggerId?: string; responseId?: string } = {}): { body: string; responseId: string; triggerId: string } {
    const responseId = options.responseId ?? this.id('cmd');
    const triggerId = options.triggerId ?? `${this.id('')}.${this.teamId}`;
    const channel = options.channel ?? 'C0GENERAL';
    const form = new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: this.teamId,
      team_domain: 'pim-test',
      channel_id: channel,
      channel_name: channel === 'C0GENERAL' ? 'general' : 'privategroup',
      user_id: user.id,
      user_name: user.name ?? user.id.toLowerCase(),
      command: '/pim',
      text,
      api_app_id: 'A0PIMBOT',
      is_enterprise_install: 'false',
      response_url: this.fake.responseUrl(responseId),
      trigger_id: triggerId,
    });
    return { body: form.toString(), responseId, triggerId };
  }

  /**
   * `/pim <text>` typed by `user`. Slack escapes `&`, `<` and `>` the user typed, as it does in
   * command text. Returns the response URL id to wait on, and the request body (`request`) to resend.
   */
  async command(user: SlackUser, text: string, options: SendOptions & { channel?: string; triggerId?: string } = {}): Promise<SentRequest & { responseId: string; triggerId: string; request: string }> {
    const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const c = this.commandBody(user, escaped, options);
    const sent = await this.post(c.body, 'application/x-www-form-urlencoded', options);
    return { ...sent, responseId: c.responseId, triggerId: c.triggerId, request: c.body };
  }

  /** An interaction payload (`payload=<json>`), form-encoded. */
  interaction(payload: Record<string, unknown>, options: SendOptions = {}): Promise<SentRequest> {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', options);
  }

  /**
   * A button press. On a message (`in: { channel, ts }`) the payload carries the message and a
   * response URL; on the App Home (`in: 'home'`) it carries the home view and none.
   */
  async press(
    user: SlackUser,
    button: RenderedButton,
    where: { channel: string; ts: string; blocks?: any[]; fields?: Record<string, string> } | 'home',
    options: SendOptions = {},
  ): Promise<SentRequest & { responseId: string | null; triggerId: string }> {
    const blocks: any[] = where === 'home' ? [] : (where.blocks ?? this.fake.message(where.channel, where.ts)?.blocks ?? []);
    // As Slack does: the state of every input in the message, typed into (`fields`, by block id) or empty.
    const state = {
      values: Object.fromEntries(
        blocks
          .filter((b) => b.type === 'input')
          .map((b) => [b.block_id, { [b.element.action_id]: { type: b.element.type, value: where === 'home' ? null : (where.fields?.[b.block_id] ?? null) } }]),
      ),
    };
    const triggerId = `${this.id('')}.${this.teamId}`;
    const responseId = where === 'home' ? null : this.id('msg');
    const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
    const base = {
      type: 'block_actions',
      user: { id: user.id, username: user.name ?? user.id.toLowerCase(), name: user.name ?? user.id.toLowerCase(), team_id: this.teamId },
      api_app_id: 'A0PIMBOT',
      token: 'legacy-verification-token',
      trigger_id: triggerId,
      team: { id: this.teamId, domain: 'pim-test' },
      enterprise: null,
      is_enterprise_install: false,
      actions: [{ action_id: button.action_id, block_id: 'b1', text: { type: 'plain_text', text: button.text?.text ?? '' }, value: button.value, type: 'button', action_ts: actionTs }],
    };
    const payload =
      where === 'home'
        ? { ...base, container: { type: 'view', view_id: `VHOME${user.id}` }, view: { id: `VHOME${user.id}`, type: 'home', team_id: this.teamId, blocks: this.fake.homes.get(user.id)?.blocks ?? [], private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h' } }
        : {
            ...base,
            container: { type: 'message', message_ts: where.ts, channel_id: where.channel, is_ephemeral: false },
            channel: { id: where.channel, name: where.channel.startsWith('D') ? 'directmessage' : 'approvals' },
            message: { type: 'message', ts: where.ts, text: '', blocks },
            response_url: this.fake.responseUrl(responseId as string),
            state,
          };
    const sent = await this.interaction(payload, options);
    return { ...sent, responseId, triggerId };
  }

  /**
   * Submits a modal the bot opened (`view` as sent to views.open), with the inputs' values by
   * block id: a string for text inputs, `{ option: k }` to pick a select's k-th option. Inputs not
   * given are submitted empty, as Slack does.
   */
  async submit(
    user: SlackUser,
    view: { id?: string; callback_id?: string; private_metadata?: string; blocks?: any[]; [k: string]: unknown },
    values: Record<string, string | { option: number }>,
    options: SendOptions & { triggerId?: string } = {},
  ): Promise<SentRequest & { triggerId: string }> {
    const state: Record<string, Record<string, unknown>> = {};
    for (const b of view.blocks ?? []) {
      if (b?.type !== 'input') continue;
      const el = b.element as { type: string; action_id: string; options?: unknown[] };
      const given = values[b.block_id as string];
      if (el.type === 'static_select') {
        const option = typeof given === 'object' ? (el.options?.[given.option] ?? null) : null;
        state[b.block_id] = { [el.action_id]: { type: 'static_select', selected_option: option } };
      } else {
        state[b.block_id] = { [el.action_id]: { type: el.type, value: typeof given === 'string' ? given : null } };
      }
    }
    const triggerId = options.triggerId ?? `${this.id('')}.${this.teamId}`;
    const payload = {
      type: 'view_submission',
      team: { id: this.teamId, domain: 'pim-test' },
      user: { id: user.id, username: user.name ?? user.id.toLowerCase(), name: user.name ?? user.id.toLowerCase(), team_id: this.teamId },
      api_app_id: 'A0PIMBOT',
      token: 'legacy-verification-token',
      trigger_id: triggerId,
      view: { ...view, id: view.id ?? 'V0MODAL', team_id: this.teamId, type: 'modal', state: { values: state }, hash: 'h', app_id: 'A0PIMBOT', bot_id: FAKE_BOT.botId },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const sent = await this.interaction(payload, options);
    return { ...sent, triggerId };
  }

  /** An Events API callback (JSON), e.g. `{ type: 'app_home_opened', user, tab: 'home' }`. */
  async event(event: Record<string, unknown>, options: SendOptions & { eventId?: string } = {}): Promise<SentRequest & { eventId: string }> {
    const eventId = options.eventId ?? this.id('Ev');
    const body = JSON.stringify({
      token: 'legacy-verification-token',
      team_id: this.teamId,
      api_app_id: 'A0PIMBOT',
      event: { event_ts: `${(Date.now() / 1000).toFixed(6)}`, ...event },
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.teamId, user_id: FAKE_BOT.userId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    });
    const sent = await this.post(body, 'application/json', options);
    return { ...sent, eventId };
  }
}
