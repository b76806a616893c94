/**
 * The Bolt app that handles Slack's requests: identity, the listeners (commands, actions, views,
 * events) and the bookkeeping of requests in flight. The adapter builds one on the thread that
 * receives Slack's requests, and the Slack work thread (work-thread/) builds another with the same
 * listeners over its own database connections, so a request is handled the same way on either.
 */
import { App, type Authorize, type Receiver, type webApi } from '@slack/bolt';
import type { Pim } from '../../src/core/pim.js';
import type { Clock } from '../../src/core/ports.js';
import type { Logger } from '../../src/logger.js';
import type { DedupePort } from '../types.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackDeps, SlackMetrics } from './deps.js';
import { classifyWebApiError } from './errors.js';
import { SlackIdentity } from './identity.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as views from './listeners/views/index.js';
import { WorkQueue } from './work-queue.js';

/**
 * Requests worked on at once after their ack (commands, button presses, App Home opens). Fewer
 * leaves more of each event-loop turn to acking (when the work runs on the acking thread) and
 * holds fewer database connections; more overlaps more Web API and response URL round trips
 * (each ~100 ms to Slack). 8 still answers dozens of commands a second.
 */
export const SLACK_WORK_CONCURRENCY = 8;

/** The bot's own ids (from `auth.test`), so Bolt never has to ask per request. */
export interface BotIds {
  botId: string;
  botUserId: string;
}

/** SLACK_API_URL with the trailing slash the Web API client needs. */
export function apiUrlOf(url: string | undefined): { slackApiUrl?: string } {
  if (!url) return {};
  return { slackApiUrl: url.endsWith('/') ? url : `${url}/` };
}

/**
 * Web API options for calls made while answering a user (views.open within the 3 s of a trigger
 * id): one quick retry. The work thread uses the same.
 */
export function answeringClientOptions(apiUrl: string | undefined): webApi.WebClientOptions {
  return { ...apiUrlOf(apiUrl), retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 200 }, timeout: 10_000 };
}

export interface SlackAppOptions {
  pim: Pim;
  clock: Clock;
  logger: Logger;
  metrics: SlackMetrics;
  dedupe: DedupePort;
  timeZone: string;
  token: string;
  /** Null when `auth.test` failed at start: requests are authorised without the ids. */
  self: BotIds | null;
  receiver: Receiver;
  /** Web API options for calls made while answering a user (base URL, retries, timeout). */
  clientOptions: webApi.WebClientOptions;
}

export interface SlackApp {
  app: App;
  /** Resolves when every request received so far has been fully handled. */
  idle(): Promise<void>;
}

export function buildSlackApp(o: SlackAppOptions): SlackApp {
  const log = boltLogger(o.logger);
  // Known bot ids: Bolt never calls auth.test. Unknown: authorize without them rather than per request.
  const authorize: Authorize<boolean> = async () => ({ botToken: o.token });
  const auth = o.self ? { token: o.token, botId: o.self.botId, botUserId: o.self.botUserId } : { authorize };
  const app = new App({ receiver: o.receiver, ...auth, clientOptions: o.clientOptions, logger: log, convoStore: false });

  const inflight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const handled = next();
    inflight.add(handled);
    try {
      await handled;
    } finally {
      inflight.delete(handled);
    }
  });
  app.error(async (err) => {
    o.logger.error({ err }, 'slack: a listener failed');
  });

  const identity = new SlackIdentity({
    pim: o.pim,
    clock: o.clock,
    logger: o.logger,
    lookupEmail: async (user) => {
      try {
        const u = (await app.client.users.info({ user })).user;
        return u && !u.deleted && !u.is_bot ? (u.profile?.email ?? null) : null;
      } catch (err) {
        const f = classifyWebApiError(err);
        if (f.kind === 'platform' && (f.error === 'user_not_found' || f.error === 'users_not_found')) return null;
        throw err;
      }
    },
  });
  const deps: SlackDeps = {
    pim: o.pim,
    clock: o.clock,
    logger: o.logger,
    metrics: o.metrics,
    dedupe: o.dedupe,
    identity,
    timeZone: o.timeZone,
    work: new WorkQueue(SLACK_WORK_CONCURRENCY, (waiting) =>
      o.logger.warn({ waiting, concurrency: SLACK_WORK_CONCURRENCY }, `slack: ${waiting} acknowledged requests are waiting for their turn; answers are late`),
    ),
  };
  commands.register(app, deps);
  actions.register(app, deps);
  views.register(app, deps);
  events.register(app, deps);

  return {
    app,
    async idle() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}
