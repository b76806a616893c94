/**
 * `POST /api/messages`: reads the activity (size-limited), hands it to botbuilder's CloudAdapter
 * with the small express-like request/response it expects, and answers what the adapter decides
 * (401 for a missing or bad token, the invoke response for a card action, 200 otherwise).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response, TurnContext } from 'botbuilder';
import { readBody, sendJson } from '../../src/server.js';
import type { Logger } from '../../src/logger.js';
import type { BotAdapter } from './auth.js';

/** Bot Framework activities are small; anything bigger is not one. */
export const MAX_ACTIVITY_BYTES = 512 * 1024;

/** The parts of express's Response that CloudAdapter.process uses, over Node's ServerResponse. */
export function responseShim(res: ServerResponse): Response & { finish(): void } {
  let status = 200;
  let body: string | undefined;
  const shim = {
    socket: res.socket,
    status(code: number) {
      status = code;
      return shim;
    },
    header(name: string, value: unknown) {
      res.setHeader(name, String(value));
      return shim;
    },
    send(payload: unknown) {
      if (payload === undefined || payload === null) return shim;
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
        body = payload.toString();
        if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8');
      } else {
        body = JSON.stringify(payload);
        res.setHeader('content-type', 'application/json; charset=utf-8');
      }
      return shim;
    },
    end() {
      shim.finish();
      return shim;
    },
    finish() {
      if (res.writableEnded || res.headersSent) return;
      res.statusCode = status;
      res.end(body);
    },
  };
  return shim;
}

export function messagesHandler(bot: BotAdapter, onTurn: (ctx: TurnContext) => Promise<void>, logger: Logger) {
  return async function handleMessages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bot.adapter) {
      sendJson(res, 401, { error: 'Teams is not configured: set TEAMS_APP_ID and TEAMS_APP_PASSWORD (or PIM_DEV_MODE=true for local testing only).' });
      return;
    }
    // A token is required in jwt mode; refuse quietly before botbuilder logs the failure.
    if (bot.mode === 'jwt' && !req.headers.authorization) {
      sendJson(res, 401, { error: 'missing Bot Framework token' });
      return;
    }
    let activity: unknown;
    try {
      activity = JSON.parse(await readBody(req, MAX_ACTIVITY_BYTES));
    } catch (err) {
      const tooBig = (err as { status?: number }).status === 413;
      sendJson(res, tooBig ? 413 : 400, { error: tooBig ? 'activity too large' : 'the body is not a JSON activity' });
      return;
    }
    if (typeof activity !== 'object' || activity === null || Array.isArray(activity)) {
      sendJson(res, 400, { error: 'the body is not a JSON activity' });
      return;
    }
    const shim = responseShim(res);
    const request: Request = { body: activity as Record<string, unknown>, headers: req.headers, method: req.method };
    try {
      await bot.adapter.process(request, shim, onTurn);
    } catch (err) {
      logger.error({ err }, 'Bot Framework activity could not be processed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    }
    shim.finish();
  };
}
