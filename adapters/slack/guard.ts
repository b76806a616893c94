/**
 * The door in front of Bolt on `POST /slack/events`. Bolt's HTTPReceiver crashes the process on a
 * signed JSON `null` (it reads `body.ssl_check` in a promise nobody awaits), accepts timestamps
 * from the future (its check only refuses old ones), and hands whatever parses to the listeners
 * and the inbox's jsonb. So before Bolt sees a request this guard:
 *
 * 1. reads the body, at most SLACK_MAX_BODY_BYTES (413);
 * 2. checks the timestamp is within 5 minutes of now in either direction, as Slack asks, and the
 *    v0 signature over the raw bytes (401; nothing about the body is looked at before this);
 * 3. parses it exactly as Bolt will (form, `payload=<json>`, or JSON): invalid UTF-8, bad JSON,
 *    JSON nested deeper than MAX_JSON_DEPTH, or anything but an object is a 400;
 * 4. looks for characters chat input may not carry (src/commands/characters.ts): in the text of
 *    a slash command the user is answered at once saying what was found; in a form field the
 *    form shows the error under that field; in an event it is acked and dropped (a non-2xx would
 *    make Slack retry it); anywhere else (a button value, an id) the request is a 400.
 *
 * What passes goes to Bolt with the body already read (`rawBody`), so Bolt checks the signature
 * again and parses the same bytes. Socket Mode has no HTTP request: `ContentGuard` applies step 4
 * to the events its receiver delivers.
 */
import type { ReceiverEvent } from '@slack/bolt';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { describeForbiddenCharacter } from '../../src/commands/index.js';
import { answerBadInput, BadInput, decodeUtf8, forbiddenCharactersIn, parseJsonObject, readRawBody, type ForbiddenAt } from '../../src/http-input.js';
import type { Logger } from '../../src/logger.js';
import type { RequestHandler } from './inbox.js';

/** Slack's payloads are well under this (a modal of 100 blocks is a few hundred KB). */
export const SLACK_MAX_BODY_BYTES = 1024 * 1024;

/** How far a request's timestamp may be from now, either way (Slack's rule: 5 minutes). */
export const SLACK_TIMESTAMP_TOLERANCE_S = 5 * 60;

const FORM = 'application/x-www-form-urlencoded';

/** What a request's content leads to, once it is known to come from Slack. */
export type ContentVerdict =
  | { kind: 'pass' }
  /** Ack with this body (the user's answer, or a form's inline errors) and go no further. */
  | { kind: 'answer'; response: object; reason: string }
  /** Ack with nothing and go no further (an event: Slack retries anything but a 2xx). */
  | { kind: 'drop'; reason: string }
  /** Not something Slack sends: refuse it. */
  | { kind: 'refuse'; reason: string };

const pathText = (p: (string | number)[]) => p.map(String).join('.');

/** Whether every hit is at `text` (a slash command's typed text). */
const onlyInCommandText = (hits: ForbiddenAt[]) => hits.every((h) => h.path.length === 1 && h.path[0] === 'text');

/** The block id of a form field's value (`view.state.values.<block>.<action>.value`), or null. */
function formFieldBlock(hit: ForbiddenAt): string | null {
  const [view, state, values, block, , value, ...rest] = hit.path;
  const isField = view === 'view' && state === 'state' && values === 'values' && value === 'value' && rest.length === 0;
  return isField && typeof block === 'string' ? block : null;
}

/**
 * Step 4 on a parsed body: whether it carries forbidden characters and what to do about them.
 * `renderError` turns a sentence into the ephemeral message Slack shows the user.
 */
export function judgeContent(body: Record<string, unknown>, renderError: (message: string) => object): ContentVerdict {
  const hits = forbiddenCharactersIn(body);
  const first = hits[0];
  if (!first) return { kind: 'pass' };
  const where = hits.map((h) => pathText(h.path)).join(', ');
  if (typeof body.command === 'string' && onlyInCommandText(hits)) {
    return { kind: 'answer', response: renderError(describeForbiddenCharacter(first.found)), reason: `a control character in the command text` };
  }
  if (body.type === 'view_submission') {
    const blocks = hits.map(formFieldBlock);
    if (blocks.every((b) => b !== null)) {
      const errors: Record<string, string> = {};
      hits.forEach((h, i) => (errors[blocks[i] as string] ??= describeForbiddenCharacter(h.found, 'This field')));
      return { kind: 'answer', response: { response_action: 'errors', errors }, reason: `a control character in form fields ${where}` };
    }
  }
  if (body.type === 'event_callback') return { kind: 'drop', reason: `an event with a control character at ${where}` };
  return { kind: 'refuse', reason: `a control character at ${where}` };
}

/** Why a request is not Slack's (step 2), or null when its timestamp and signature hold. */
export function signatureProblem(headers: IncomingHttpHeaders, body: Buffer, signingSecret: string, nowMs: number): string | null {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return 'no valid x-slack-request-timestamp header';
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  if (Math.abs(skew) > SLACK_TIMESTAMP_TOLERANCE_S) {
    return `x-slack-request-timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'} (at most ${SLACK_TIMESTAMP_TOLERANCE_S} s either way)`;
  }
  if (typeof signature !== 'string' || !/^v0=[0-9a-f]{64}$/.test(signature)) return 'no v0 x-slack-signature header';
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signature.slice(3), 'hex')) ? null : 'the signature does not match';
}

/** Parses the body as Bolt's HTTPReceiver will (step 3); a BadInput when it is not an object. */
export function parseSlackBody(contentType: string | undefined, text: string): Record<string, unknown> {
  if (contentType !== FORM) return parseJsonObject(text);
  const form = parseQuery(text);
  return typeof form.payload === 'string' ? parseJsonObject(form.payload, 'the payload') : { ...form };
}

/** Slack's connectivity check: Bolt answers it without a signature and ignores the rest. */
function isSslCheck(contentType: string | undefined, raw: Buffer): boolean {
  return contentType === FORM && parseQuery(raw.toString('utf8')).ssl_check === '1';
}

export interface SlackGuardOptions {
  signingSecret: string;
  logger: Logger;
  /** Turns a sentence into the ephemeral message shown to the user (rendered like every error). */
  renderError: (message: string) => object;
  /** Wall-clock time in ms: Slack's timestamps are real time, never the bot's movable clock. */
  now?: () => number;
}

export type NextListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The route handler: checks a request, answers it when it does not pass, hands it to `next` when it does. */
export function slackGuard(o: SlackGuardOptions): (req: IncomingMessage, res: ServerResponse, next: NextListener) => Promise<void> {
  const now = o.now ?? Date.now;
  const refuse = (res: ServerResponse, status: 401 | 400, reason: string) => {
    o.logger.warn({ status, reason }, `slack: refused a request to /slack/events (${status}): ${reason}`);
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(status === 401 ? 'not a valid Slack request' : `bad request: ${reason}`);
  };
  return async (req, res, next) => {
    let raw: Buffer;
    try {
      raw = await readRawBody(req, SLACK_MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BadInput) {
        o.logger.warn({ status: err.status }, `slack: refused a request to /slack/events: ${err.message}`);
        answerBadInput(res, err);
      } else {
        res.destroy(); // the client went away mid-body: nobody to answer
      }
      return;
    }
    const contentType = req.headers['content-type'];
    if (isSslCheck(contentType, raw)) return next(Object.assign(req, { rawBody: raw }), res);

    const unsigned = signatureProblem(req.headers, raw, o.signingSecret, now());
    if (unsigned) return refuse(res, 401, unsigned);

    let body: Record<string, unknown>;
    try {
      body = parseSlackBody(contentType, decodeUtf8(raw));
    } catch (err) {
      if (err instanceof BadInput) return refuse(res, 400, err.message);
      throw err;
    }
    const verdict = judgeContent(body, o.renderError);
    switch (verdict.kind) {
      case 'pass':
        return next(Object.assign(req, { rawBody: raw }), res);
      case 'refuse':
        return refuse(res, 400, verdict.reason);
      case 'answer':
      case 'drop': {
        o.logger.info({ reason: verdict.reason }, `slack: answered a request without running it: ${verdict.reason}`);
        const text = verdict.kind === 'answer' ? JSON.stringify(verdict.response) : '';
        res.writeHead(200, verdict.kind === 'answer' ? { 'content-type': 'application/json; charset=utf-8' } : {});
        res.end(text);
        return;
      }
    }
  };
}

/**
 * Step 4 for Socket Mode, where there is no HTTP request to refuse: a request with forbidden
 * characters is acked (with the user's answer, when there is one) and goes no further.
 */
export class ContentGuard implements RequestHandler {
  constructor(
    private readonly next: RequestHandler,
    private readonly o: Pick<SlackGuardOptions, 'logger' | 'renderError'>,
  ) {}

  async processEvent(event: ReceiverEvent): Promise<void> {
    const verdict = judgeContent(event.body, this.o.renderError);
    if (verdict.kind === 'pass') return this.next.processEvent(event);
    this.o.logger.warn({ reason: verdict.reason }, `slack: acked a request without running it: ${verdict.reason}`);
    await event.ack(verdict.kind === 'answer' ? verdict.response : undefined);
  }
}
