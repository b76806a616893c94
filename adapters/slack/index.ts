/**
 * The Slack adapter: a Bolt app whose listeners (commands, actions, views, events) are thin calls
 * into the shared command runner and the core, and a Messenger for the outbox dispatcher.
 *
 * HTTP mode: Bolt's HTTPReceiver verifies the signature (and the 5-minute timestamp window) and
 * parses the request; its `requestListener` is mounted as `POST /slack/events` on pimbot's one HTTP
 * server, so Bolt opens no port of its own. Socket Mode (SLACK_APP_TOKEN set): SocketModeReceiver.
 *
 * Every listener acks before anything slow, and the work after the ack waits its turn in a
 * WorkQueue (at most SLACK_WORK_CONCURRENCY at once), so a burst of requests cannot hold up the
 * acks of those behind it; view submissions, whose ack carries the answer, are not queued. Slack
 * retries (`x-slack-retry-num`) and repeated deliveries are dropped by key (trigger id, event id)
 * through the shared dedupe store, so they run once across replicas.
 */
import { App, HTTPReceiver, SocketModeReceiver, webApi, type Authorize } from '@slack/bolt';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../src/logger.js';
import type { ChatAdapter, ChatAdapterFactory } from '../types.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackDeps } from './deps.js';
import { classifyWebApiError } from './errors.js';
import { SlackIdentity } from './identity.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as views from './listeners/views/index.js';
import { SlackMessenger } from './messenger.js';
import { WorkQueue } from './work-queue.js';

/** Where Slack sends slash commands, interactions and events (HTTP mode). */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Requests worked on at once after their ack (commands, button presses, App Home opens). Fewer
 * leaves more of each event-loop turn to acking; more overlaps more Web API and response URL
 * round trips (each ~100 ms to Slack). 8 keeps a burst's acks near a bare Bolt app's
 * (bench/slack-ack.ts) and still answers dozens of commands a second.
 */
export const SLACK_WORK_CONCURRENCY = 8;

/** A request no listener acknowledged is answered by Bolt after this long (under Slack's 3 s). */
const UNHANDLED_REQUEST_MS = 2_500;

export interface SlackAdapter extends ChatAdapter {
  platform: 'slack';
  messenger: SlackMessenger;
  /** Resolves when every request received so far has been fully handled (tests, shutdown). */
  idle(): Promise<void>;
}

/** SLACK_API_URL with the trailing slash the Web API client needs. */
function apiUrlOf(url: string | undefined): { slackApiUrl?: string } {
  if (!url) return {};
  return { slackApiUrl: url.endsWith('/') ? url : `${url}/` };
}

/** The bot's own ids, from one `auth.test` at start; null when it fails (logged, not fatal). */
async function whoAmI(client: webApi.WebClient, logger: Logger): Promise<{ botId: string; botUserId: string } | null> {
  try {
    const r = await client.auth.test();
    if (r.bot_id && r.user_id) {
      logger.info({ botUserId: r.user_id, botId: r.bot_id, team: r.team }, `slack: signed in as @${r.user ?? r.user_id} (${r.user_id}) in ${r.team ?? 'the workspace'}`);
      return { botId: r.bot_id, botUserId: r.user_id };
    }
    logger.warn({ userId: r.user_id }, 'slack: auth.test answered without a bot id: is SLACK_BOT_TOKEN a bot token (xoxb-)?');
  } catch (err) {
    logger.warn(
      { failure: classifyWebApiError(err) },
      'slack: auth.test failed at start, so pimbot does not know its own bot ids; it keeps serving Slack requests without them. Check SLACK_BOT_TOKEN (and SLACK_API_URL).',
    );
  }
  return null;
}

export const slackAdapter: ChatAdapterFactory = async (deps): Promise<SlackAdapter> => {
  const { env, logger } = deps;
  const token = env.slack.botToken;
  if (!env.slack.enabled || !token) {
    throw new Error('The Slack adapter needs SLACK_BOT_TOKEN, with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode).');
  }
  const log = boltLogger(logger);
  const apiUrl = apiUrlOf(env.slack.apiUrl);

  // The outbox owns retries of notices: no retries and no waiting out rate limits in the client.
  const outbound = new webApi.WebClient(token, { ...apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 10_000, logger: log });
  const self = await whoAmI(outbound, logger);

  // Calls made while answering a user (views.open within the 3 s of a trigger id): one quick retry.
  const clientOptions = { ...apiUrl, retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 200 }, timeout: 10_000 };
  const socket = env.slack.mode === 'socket';
  const receiver = socket
    ? new SocketModeReceiver({ appToken: env.slack.appToken ?? '', logger: log, installerOptions: { clientOptions } })
    : new HTTPReceiver({
        signingSecret: env.slack.signingSecret ?? '',
        endpoints: SLACK_EVENTS_PATH,
        processBeforeResponse: false,
        unhandledRequestTimeoutMillis: UNHANDLED_REQUEST_MS,
        logger: log,
      });
  // Known bot ids: Bolt never calls auth.test. Unknown: authorize without them rather than per request.
  const authorize: Authorize<boolean> = async () => ({ botToken: token });
  const auth = self ? { token, botId: self.botId, botUserId: self.botUserId } : { authorize };
  const app = new App({ receiver, ...auth, clientOptions, logger: log, convoStore: false });

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
    logger.error({ err }, 'slack: a listener failed');
  });

  const identity = new SlackIdentity({
    pim: deps.pim,
    clock: deps.clock,
    logger,
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
  const slackDeps: SlackDeps = {
    pim: deps.pim,
    clock: deps.clock,
    logger,
    metrics: deps.metrics,
    dedupe: deps.dedupe,
    identity,
    timeZone: env.timezone,
    work: new WorkQueue(SLACK_WORK_CONCURRENCY, (waiting) =>
      logger.warn({ waiting, concurrency: SLACK_WORK_CONCURRENCY }, `slack: ${waiting} acknowledged requests are waiting for their turn; answers are late`),
    ),
  };
  commands.register(app, slackDeps);
  actions.register(app, slackDeps);
  views.register(app, slackDeps);
  events.register(app, slackDeps);

  const messenger = new SlackMessenger({ api: outbound, channels: deps.config.channels, directory: deps.pim.directory, clock: deps.clock, timeZone: env.timezone });

  const idle = async (): Promise<void> => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };

  return {
    platform: 'slack',
    messenger,
    routes:
      receiver instanceof HTTPReceiver
        ? [
            {
              method: 'POST',
              path: SLACK_EVENTS_PATH,
              handler: (req, res) => {
                const start = performance.now();
                res.once('finish', () => deps.metrics.ackLatency.observe({ platform: 'slack', kind: 'http' }, performance.now() - start));
                receiver.requestListener(req, res);
              },
            },
          ]
        : [],
    idle,
    async start() {
      if (socket) {
        await app.start();
        logger.info('slack: connected in Socket Mode');
      } else {
        logger.info(`slack: HTTP mode, Slack requests on POST ${SLACK_EVENTS_PATH}`);
      }
    },
    async stop() {
      if (socket) await app.stop();
      await idle();
    },
  };
};
