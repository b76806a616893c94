/**
 * What the playground page asks of the server besides `/api/messages` (which it calls as Teams
 * would): who and where it can be (`GET /playground/setup`), the Teams client's own bookkeeping
 * (`POST /playground/api/messages` shows what a person typed in the conversation,
 * `PUT /playground/api/messages` puts the card an invoke answered with in place of the old one),
 * and the bot's clock (`GET`/`POST /playground/clock`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseDuration } from '../../src/core/index.js';
import { readBody, sendJson } from '../../src/server.js';
import type { TimeTravel } from '../types.js';
import { ADAPTIVE_CARD } from './connector.js';
import type { ClockState, EventStreams } from './events.js';
import type { ConversationLog } from './log.js';
import { CARD_ACTION_INVOKE, MESSAGES_PATH, PLAYGROUND_BOT, PLAYGROUND_CHANNEL_ID, PLAYGROUND_TENANT, type World } from './world.js';

/** The longest single jump of the clock. */
export const MAX_TRAVEL_MS = 366 * 86_400_000;
const MAX_TEXT = 4_000;
const MAX_CARD_BYTES = 256 * 1024;

export interface ClientApiDeps {
  world: World;
  log: ConversationLog;
  streams: () => EventStreams | null;
  clock: () => ClockState;
  timeTravel?: TimeTravel;
  timeZone: string;
  /** The emulator's service URL, known once the server listens. */
  serviceUrl: () => string | null;
}

/** JSON bodies only: a form or text/plain POST from another site is a "simple" request and would skip CORS. */
async function readJson(req: IncomingMessage, res: ServerResponse, limit: number): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    sendJson(res, 415, { error: 'send JSON (content-type: application/json)' });
    return undefined;
  }
  try {
    return JSON.parse(await readBody(req, limit));
  } catch (err) {
    const tooBig = (err as { status?: number }).status === 413;
    sendJson(res, tooBig ? 413 : 400, { error: tooBig ? 'the body is too large' : 'the body is not JSON' });
    return undefined;
  }
}

function refuse(res: ServerResponse, error: z.ZodError): void {
  const first = error.issues[0];
  sendJson(res, 400, { error: first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'bad request' });
}

const TypedMessage = z.object({
  conversationId: z.string().min(1).max(300),
  /** The AAD object id of the person typing. */
  from: z.string().min(1).max(100),
  text: z.string().trim().min(1, 'type something').max(MAX_TEXT, `at most ${MAX_TEXT} characters`),
});

const CardUpdate = z.object({
  conversationId: z.string().min(1).max(300),
  id: z.string().min(1).max(100),
  card: z.looseObject({ type: z.literal('AdaptiveCard') }),
});

const Travel = z.union([
  z.object({ ms: z.number().int().positive().max(MAX_TRAVEL_MS) }),
  z.object({ by: z.string().max(40) }),
]);
/** What a person reads who typed a step the clock cannot take (the custom step box). */
export const BAD_STEP = 'Write a step like 2h30m.';
export const STEP_TOO_FAR = 'Write a step of at most 366d.';

/** How long a clock move's answer waits for what the move made due. */
const SETTLE_WAIT_MS = 20_000;

/** True when what the move made due is still being worked on after `ms`. */
async function settledWithin(travel: TimeTravel, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    return await Promise.race([travel.settled().then(() => false as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function clientApi(d: ClientApiDeps) {
  const userByAad = (aad: string) => d.world.users.find((u) => u.aadObjectId === aad.toLowerCase());

  return {
    setup(_req: IncomingMessage, res: ServerResponse): void {
      sendJson(res, 200, {
        bot: PLAYGROUND_BOT,
        tenantId: PLAYGROUND_TENANT,
        channelId: PLAYGROUND_CHANNEL_ID,
        serviceUrl: d.serviceUrl(),
        messagesPath: MESSAGES_PATH,
        invokeName: CARD_ACTION_INVOKE,
        timeZone: d.timeZone,
        users: d.world.users,
        places: d.world.places,
        clock: d.clock(),
      });
    },

    async postMessage(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const body = await readJson(req, res, 16 * 1024);
      if (body === undefined) return;
      const parsed = TypedMessage.safeParse(body);
      if (!parsed.success) return refuse(res, parsed.error);
      const { conversationId, from, text } = parsed.data;
      const user = userByAad(from);
      if (!user) return sendJson(res, 404, { error: 'no playground user has that AAD object id' });
      const allowed = conversationId === user.conversationId || d.world.places.some((p) => p.conversationId === conversationId);
      if (!allowed) return sendJson(res, 403, { error: `${user.name} is not in that conversation` });
      const message = d.log.append(conversationId, {
        from: { id: user.accountId, name: user.name, aadObjectId: user.aadObjectId, isBot: false },
        text,
        textFormat: 'plain',
        attachments: [],
        replyToId: null,
      });
      sendJson(res, 201, { id: message.id, message });
    },

    async putCard(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const body = await readJson(req, res, MAX_CARD_BYTES);
      if (body === undefined) return;
      const parsed = CardUpdate.safeParse(body);
      if (!parsed.success) return refuse(res, parsed.error);
      const { conversationId, id, card } = parsed.data;
      const current = d.log.get(conversationId, id);
      if (!current) return sendJson(res, 404, { error: 'no such message' });
      const others = current.attachments.filter((a) => a.contentType !== ADAPTIVE_CARD);
      const updated = d.log.update(conversationId, id, { attachments: [{ contentType: ADAPTIVE_CARD, content: card }, ...others] });
      sendJson(res, 200, { message: updated });
    },

    getClock(_req: IncomingMessage, res: ServerResponse): void {
      sendJson(res, 200, d.clock());
    },

    async postClock(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (!d.timeTravel) return sendJson(res, 409, { error: 'the clock cannot be moved: the bot was started with a clock of its own' });
      const body = await readJson(req, res, 1024);
      if (body === undefined) return;
      const parsed = Travel.safeParse(body);
      if (!parsed.success) {
        if (typeof body === 'object' && body !== null && 'by' in body) return sendJson(res, 400, { error: BAD_STEP });
        return refuse(res, parsed.error);
      }
      const ms = 'ms' in parsed.data ? parsed.data.ms : parseDuration(parsed.data.by.trim());
      if (ms === null || ms <= 0) return sendJson(res, 400, { error: BAD_STEP });
      if (ms > MAX_TRAVEL_MS) return sendJson(res, 400, { error: STEP_TOO_FAR });
      await d.timeTravel.advance(ms);
      // The answer waits for what the jump made due, so the page can say when that is over (or
      // that it goes on: a page that never hears back would look stuck).
      const busy = await settledWithin(d.timeTravel, SETTLE_WAIT_MS);
      const state = d.clock();
      d.streams()?.broadcast('clock', state);
      sendJson(res, 200, { ...state, ...(busy ? { busy: true } : {}) });
      // The page clears its "still working" line on the clock event sent once that is over.
      if (busy) void d.timeTravel.settled().then(() => d.streams()?.broadcast('clock', { ...d.clock(), settled: true }));
    },
  };
}
