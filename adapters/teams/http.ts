/**
 * `POST /api/messages`: reads the activity (size-limited, at most MAX_JSON_DEPTH deep, a JSON
 * object with a type), authenticates it with botbuilder (401 for a token it refuses, 503 when
 * the signing keys cannot be fetched), refuses forbidden characters outside what a user types
 * (src/commands/characters.ts), then runs it through the CloudAdapter and answers what the turn
 * decided (the invoke response for a card action, 200 otherwise). Bad input is a 4xx, never a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity, TurnContext } from 'botbuilder';
import { sendJson } from '../../src/server.js';
import { answerBadInput, BadInput, decodeUtf8, forbiddenCharactersIn, parseJsonObject, readRawBody } from '../../src/http-input.js';
import type { Logger } from '../../src/logger.js';
import { classifyAuthFailure, routingLibraryConsole, type AuthenticatedRequest, type BotAdapter } from './auth.js';

/** Bot Framework activities are small; anything bigger is not one. */
export const MAX_ACTIVITY_BYTES = 512 * 1024;

/**
 * Where a user's own words may carry a forbidden character: the typed text (the command parser
 * answers it) and card data (the card action answers it). Attachments only mirror the text.
 * Anywhere else (ids, names, the conversation reference that is stored) it is a 400.
 */
const USER_TEXT_FIELDS = new Set(['text', 'value', 'attachments']);

/** The body as an activity: a JSON object with a string `type`; a BadInput otherwise. */
export function readActivity(text: string): Activity {
  const activity = parseJsonObject(text, 'the activity');
  if (typeof activity.type !== 'string' || activity.type === '') throw new BadInput(400, 'the activity has no type');
  // As botbuilder's CloudAdapter.process does before a turn: times as Dates, the text kept.
  for (const key of ['timestamp', 'localTimestamp', 'expiration'] as const) {
    const v = activity[key];
    if (typeof v === 'string') {
      activity[`raw${key[0]?.toUpperCase()}${key.slice(1)}`] = v;
      activity[key] = new Date(v);
    }
  }
  return activity as unknown as Activity;
}

/** Why the activity is refused for a forbidden character outside the user's own words, or null. */
function forbiddenOutsideUserText(activity: Activity): string | null {
  const hit = forbiddenCharactersIn(activity).find((h) => !USER_TEXT_FIELDS.has(String(h.path[0])));
  return hit ? `a control character at ${hit.path.join('.')}` : null;
}

export function messagesHandler(bot: BotAdapter, onTurn: (ctx: TurnContext) => Promise<void>, logger: Logger) {
  return async function handleMessages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bot.adapter || !bot.auth) {
      sendJson(res, 401, { error: 'Teams is not configured: set TEAMS_APP_ID and TEAMS_APP_PASSWORD (or PIM_DEV_MODE=true for local testing only).' });
      return;
    }
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    // A token is required in jwt mode; refuse quietly before botbuilder logs the failure.
    if (bot.mode === 'jwt' && !authorization) {
      sendJson(res, 401, { error: 'missing Bot Framework token' });
      return;
    }
    let activity: Activity;
    try {
      activity = readActivity(decodeUtf8(await readRawBody(req, MAX_ACTIVITY_BYTES)));
    } catch (err) {
      if (!(err instanceof BadInput)) throw err;
      logger.warn({ status: err.status }, `teams: refused an activity: ${err.message}`);
      answerBadInput(res, err);
      return;
    }

    const check = bot.auth;
    let auth: AuthenticatedRequest;
    try {
      auth = await routingLibraryConsole(
        (text) => logger.debug({ detail: text.split('\n', 1)[0] }, 'teams: botframework-connector on the token'),
        () => check.authenticateRequest(activity, authorization),
      );
    } catch (err) {
      const failure = classifyAuthFailure(err);
      if (failure.status === 503) {
        logger.error({ err }, 'teams: could not check a Bot Framework token: the signing keys (OpenID metadata and JWKS) could not be fetched; answering 503 so the Bot Connector retries');
        sendJson(res, 503, { error: 'the Bot Framework signing keys could not be fetched; try again later' });
      } else {
        logger.warn({ reason: failure.reason }, `teams: refused an activity whose token is not valid: ${failure.reason}`);
        sendJson(res, 401, { error: 'the Bot Framework token is not valid' });
      }
      return;
    }

    const forbidden = forbiddenOutsideUserText(activity);
    if (forbidden) {
      logger.warn({ reason: forbidden }, `teams: refused an activity: ${forbidden}`);
      sendJson(res, 400, { error: `bad request: ${forbidden}` });
      return;
    }

    let invoke: Awaited<ReturnType<typeof bot.adapter.runAuthenticated>>;
    try {
      invoke = await bot.adapter.runAuthenticated(auth, activity, onTurn);
    } catch (err) {
      logger.error({ err }, 'Bot Framework activity could not be processed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      return;
    }
    if (invoke?.body === undefined || invoke.body === null) {
      res.writeHead(invoke?.status ?? 200);
      res.end();
    } else {
      sendJson(res, invoke.status ?? 200, invoke.body);
    }
  };
}
