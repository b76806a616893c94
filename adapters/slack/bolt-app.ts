/**
 * The Bolt app that handles Slack's requests: identity, the listeners (commands, actions, views,
 * events) and the bookkeeping of requests in flight. The adapter builds one on the thread that
 * receives Slack's requests, and the Slack work thread (work-thread/) builds another with the same
 * listeners over its own database connections, so a request is handled the same way on either.
 */
import { App, type AnyMiddlewareArgs, type Authorize, type Middleware, type Receiver, type webApi } from '@slack/bolt';
import { slackReply } from '../../cards/slack/index.js';
import { type Clock, describeError, type Pim } from '../../src/core/index.js';
import type { Logger } from '../../src/logger.js';
import type { DedupePort, MessageRefPort } from '../types.js';
import { ephemeral, postToResponseUrl } from './answer.js';
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
  /** The workspace(s) served (`slack:` in pim.config.yaml); none named: any, without e-mail binding. */
  workspaces: { teamIds: readonly string[]; enterpriseId: string | null };
  /** Where answers about a request are kept, to be updated in place. */
  messageRefs?: MessageRefPort;
}

export interface SlackApp {
  app: App;
  /** Resolves when every request received so far has been fully handled. */
  idle(): Promise<void>;
}

/** The workspace (team) and Enterprise Grid org a request comes from, as Slack sends them. */
export function originOf(body: Record<string, any>): { teamId: string | null; enterpriseId: string | null } {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  return {
    teamId: text(body.team_id) ?? text(body.team?.id) ?? text(body.user?.team_id) ?? text(body.view?.team_id),
    enterpriseId: text(body.enterprise_id) ?? text(body.enterprise?.id),
  };
}

/**
 * Refuses a request from a workspace the config does not name (and, with `enterpriseId`, from
 * another Enterprise Grid org): it is acked, its user told why, the refusal audited, and no
 * listener runs. With no workspace named every workspace is served, as before.
 */
function workspaceGuard(o: SlackAppOptions): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { teamIds, enterpriseId } = o.workspaces;
    const from = originOf(args.body as Record<string, any>);
    const teamOk = teamIds.length === 0 || (from.teamId !== null && teamIds.includes(from.teamId));
    const orgOk = enterpriseId === null || from.enterpriseId === enterpriseId;
    if (teamOk && orgOk) return args.next();
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
    const user = (args.body as Record<string, any>).user_id ?? (args.body as Record<string, any>).user?.id ?? 'unknown';
    const expected = enterpriseId && !orgOk ? `Enterprise Grid org ${enterpriseId}` : `workspace ${teamIds.join(', ')}`;
    const actual = !orgOk ? `org ${from.enterpriseId ?? 'none'}` : `workspace ${from.teamId ?? 'unknown'}`;
    o.logger.warn({ teamId: from.teamId, enterpriseId: from.enterpriseId, user }, 'slack: refused a request from a workspace this bot does not serve');
    try {
      await o.pim.identityRefused('slack', String(user), 'wrong_workspace', { teamId: from.teamId, enterpriseId: from.enterpriseId });
    } catch (err) {
      o.logger.warn({ err }, 'slack: could not audit a request from another workspace');
    }
    const responseUrl = (args.body as Record<string, any>).response_url;
    if (typeof responseUrl === 'string') {
      const message = describeError('wrong_workspace', { expected, actual });
      await postToResponseUrl(responseUrl, ephemeral(slackReply({ kind: 'error', message }, { timeZone: o.timeZone, now: o.clock.now() }))).catch((err: unknown) =>
        o.logger.warn({ err }, 'slack: could not tell a user from another workspace why they were refused'),
      );
    }
  };
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
  app.use(workspaceGuard(o));
  app.error(async (err) => {
    o.logger.error({ err }, 'slack: a listener failed');
  });

  const identity = new SlackIdentity({
    pim: o.pim,
    clock: o.clock,
    logger: o.logger,
    emailFallback: o.workspaces.teamIds.length > 0,
    lookupEmail: async (user) => {
      try {
        const u = (await app.client.users.info({ user })).user;
        const email = u && !u.deleted && !u.is_bot ? u.profile?.email : undefined;
        return email ? { email, confirmed: u?.is_email_confirmed === true } : null;
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
    ...(o.messageRefs ? { messageRefs: o.messageRefs } : {}),
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
