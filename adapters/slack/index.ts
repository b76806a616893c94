/**
 * The Slack adapter: a Bolt app whose listeners (commands, actions, views, events) are thin calls
 * into the shared command runner and the core, and a Messenger for the outbox dispatcher.
 *
 * HTTP mode: Bolt's HTTPReceiver verifies the signature (and the 5-minute timestamp window) and
 * parses the request; its `requestListener` is mounted as `POST /slack/events` on pimbot's one HTTP
 * server, so Bolt opens no port of its own. Socket Mode (SLACK_APP_TOKEN set): SocketModeReceiver.
 *
 * Every listener acks before anything slow. With a work thread (the composition root offers one
 * on PostgreSQL, see work-thread/front.ts) the receiver hands each request over after acking it,
 * and the work runs there, so acks never wait behind it. Without one, the work after the ack waits
 * its turn in a WorkQueue on this thread. Either way at most SLACK_WORK_CONCURRENCY requests are
 * worked on at once, view submissions (whose ack carries the answer) are acked by their listener,
 * and Slack retries (`x-slack-retry-num`) and repeated deliveries are dropped by key (trigger id,
 * event id) through the shared dedupe store, so they run once across replicas and threads.
 */
import { HTTPReceiver, SocketModeReceiver, webApi, type App } from '@slack/bolt';
import { performance } from 'node:perf_hooks';
import { slackReply } from '../../cards/slack/index.js';
import type { Logger } from '../../src/logger.js';
import type { ChatAdapter, ChatAdapterFactory } from '../types.js';
import { ephemeral, postToResponseUrl } from './answer.js';
import { boltLogger } from './bolt-logger.js';
import { answeringClientOptions, apiUrlOf, buildSlackApp, type BotIds } from './bolt-app.js';
import { classifyWebApiError } from './errors.js';
import { ContentGuard, slackGuard } from './guard.js';
import { InboxGate, InboxRecovery, type RequestHandler } from './inbox.js';
import { SlackMessenger } from './messenger.js';
import { WorkThreadFront } from './work-thread/front.js';

export { answeringClientOptions, SLACK_WORK_CONCURRENCY } from './bolt-app.js';

/** Where Slack sends slash commands, interactions and events (HTTP mode). */
export const SLACK_EVENTS_PATH = '/slack/events';

/** A request no listener acknowledged is answered by Bolt after this long (under Slack's 3 s). */
const UNHANDLED_REQUEST_MS = 2_500;

/** What a user whose request was cut off by a work-thread crash is told (through its response URL). */
export const CUT_OFF_MESSAGE =
  'pimbot was interrupted while handling this and cannot tell whether it went through. Check `/pim status` before you try again.';

/** What a user is told when a replica finishes their request after the one that took it died having made the change. */
export const WENT_THROUGH_MESSAGE = 'pimbot restarted while answering this. It went through: `/pim status` shows where it stands.';

export interface SlackAdapter extends ChatAdapter {
  platform: 'slack';
  messenger: SlackMessenger;
  /** The work thread's front, when requests are handled on a work thread. */
  workThread: WorkThreadFront | null;
  /** Resolves when every request received so far has been fully handled (tests, shutdown). */
  idle(): Promise<void>;
}

/** The bot's own ids, from one `auth.test` at start; null when it fails (logged, not fatal). */
async function whoAmI(client: webApi.WebClient, logger: Logger): Promise<BotIds | null> {
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
  if (deps.config.slack.teamIds.length === 0) {
    logger.warn(
      'slack: pim.config.yaml names no workspace (slack.teamIds), so requests from any workspace that has the app are served and Slack accounts are bound only by their Slack id in the directory, never by e-mail. Set slack.teamIds to your workspace id(s).',
    );
  }

  const clientOptions = answeringClientOptions(env.slack.apiUrl);
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
  const local = buildSlackApp({
    pim: deps.pim,
    clock: deps.clock,
    logger,
    metrics: deps.metrics,
    dedupe: deps.dedupe,
    timeZone: env.timezone,
    token,
    self,
    receiver,
    clientOptions,
    workspaces: deps.config.slack,
    ...(deps.messageRefs ? { messageRefs: deps.messageRefs } : {}),
  });

  // With a work thread, the receiver hands requests to the front instead of the local app.
  const spawn = deps.slackWorkThread;
  const front = spawn
    ? new WorkThreadFront({
        spawn: () => spawn(self),
        local: local.app,
        logger,
        metrics: deps.metrics,
        ...(deps.onAudited ? { onAudited: deps.onAudited } : {}),
        tellCutOff: (url) => postToResponseUrl(url, ephemeral(slackReply({ kind: 'error', message: CUT_OFF_MESSAGE }, { timeZone: env.timezone, now: deps.clock.now() }))),
      })
    : null;
  if (front) {
    await front.start();
    logger.info('slack: requests are handled on a work thread, so acks never wait behind the work');
  }
  // What handles a request, resolving once it is fully handled (so the inbox can mark it done).
  const handler: RequestHandler = front ? { processEvent: (event) => front.run(event) } : local.app;
  // Acked requests are kept in the inbox first, so a replica finishes what a dead one acked.
  const inbox = deps.inbox;
  const say = (message: string) => (url: string) =>
    postToResponseUrl(url, ephemeral(slackReply({ kind: 'error', message }, { timeZone: env.timezone, now: deps.clock.now() })));
  const recovery = inbox ? new InboxRecovery({ inbox, next: handler, clock: deps.clock, logger, tellWentThrough: say(WENT_THROUGH_MESSAGE) }) : null;
  const gate = inbox ? new InboxGate({ inbox, next: handler, clock: deps.clock, logger }) : null;
  // Bad input is refused before Bolt sees it: over HTTP by `guard` (on the route below), in
  // Socket Mode by a ContentGuard in front of whatever takes the request.
  const renderError = (message: string) => ephemeral(slackReply({ kind: 'error', message }, { timeZone: env.timezone, now: deps.clock.now() }));
  const guard = slackGuard({ signingSecret: env.slack.signingSecret ?? '', logger, renderError });
  const first: RequestHandler | null = gate ?? front;
  if (socket) receiver.init(new ContentGuard(first ?? local.app, { logger, renderError }) as unknown as App);
  else if (first) receiver.init(first as unknown as App);

  const messenger = new SlackMessenger({ api: outbound, channels: deps.config.channels, directory: deps.pim.directory, clock: deps.clock, timeZone: env.timezone, pacer: deps.pacer });

  const idle = async (): Promise<void> => {
    await gate?.idle();
    await recovery?.idle();
    await front?.idle();
    await local.idle();
  };

  return {
    platform: 'slack',
    messenger,
    workThread: front,
    routes:
      receiver instanceof HTTPReceiver
        ? [
            {
              method: 'POST',
              path: SLACK_EVENTS_PATH,
              handler: (req, res) => {
                const start = performance.now();
                res.once('finish', () => deps.metrics.ackLatency.observe({ platform: 'slack', kind: 'http' }, performance.now() - start));
                return guard(req, res, receiver.requestListener);
              },
            },
          ]
        : [],
    idle,
    async start() {
      if (socket) {
        await local.app.start();
        logger.info('slack: connected in Socket Mode');
      } else {
        logger.info(`slack: HTTP mode, Slack requests on POST ${SLACK_EVENTS_PATH}`);
      }
      recovery?.start();
    },
    async stop() {
      if (socket) await local.app.stop();
      await recovery?.stop();
      await front?.stop();
      await idle();
    },
  };
};
