/**
 * The playground: a small web chat served by the bot in dev mode, at `/`. It is a Bot Framework
 * channel of its own (`playground`): the page posts activities to `/api/messages` exactly as
 * Teams does, and the Teams adapter answers through the playground's Bot Connector emulator
 * (`/playground/connector/`), which keeps the conversations and streams them to the page. So what
 * works here works through the Teams adapter. A time control moves the bot's clock forward.
 *
 * Outside dev mode it serves nothing (and the composition root does not start it), nor when real
 * Teams credentials are set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../src/server.js';
import type { AdapterRoute, ChatAdapter, ChatAdapterDeps, ChatAdapterFactory, TimeTravel } from '../types.js';
import { announce, installActivities } from './announce.js';
import { assetHandler, assets } from './assets.js';
import { ScheduleCatchUp } from './catch-up.js';
import { clientApi } from './client-api.js';
import { CONNECTOR_PREFIX, connectorHandler } from './connector.js';
import { EventStreams, type ClockState } from './events.js';
import { ConversationLog } from './log.js';
import { buildWorld } from './world.js';

type Handler = AdapterRoute['handler'];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Answers only requests addressed to this machine by name (a web page elsewhere cannot reach the
 * playground through DNS rebinding), unless HOST was set to listen everywhere on purpose.
 */
export function hostAllowed(bindHost: string, hostHeader: string | undefined): boolean {
  if (WILDCARD.has(bindHost)) return true;
  if (!hostHeader) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  return LOOPBACK.has(hostname) || hostname === bindHost || hostname === `[${bindHost}]`;
}

/**
 * The app's time travel, followed by the scheduled jobs (the weekly digest) whose time the jump
 * passed: a person moving the clock a week sees the digest, as they would after waiting a week.
 */
function travelWithSchedules(deps: ChatAdapterDeps, catchUp: ScheduleCatchUp): TimeTravel | undefined {
  const travel = deps.timeTravel;
  if (!travel) return undefined;
  return {
    offsetMs: () => travel.offsetMs(),
    settled: () => travel.settled(),
    async advance(ms) {
      const from = deps.clock.now();
      await travel.advance(ms);
      for (const job of catchUp.due(from, deps.clock.now())) {
        try {
          deps.logger.info({ job: job.name, result: await job.run() }, 'playground: ran a scheduled job the clock jumped over');
        } catch (err) {
          deps.logger.error({ job: job.name, err }, 'playground: a scheduled job the clock jumped over failed');
        }
      }
    },
  };
}

export const playgroundAdapter: ChatAdapterFactory = (deps): ChatAdapter => {
  if (!deps.env.devMode) return { platform: 'playground', routes: [] };
  if (deps.env.teams.enabled) {
    // With TEAMS_APP_ID, /api/messages wants Bot Framework tokens the playground cannot make; and its
    // install announcements must never point the real Teams channels at the emulator.
    deps.logger.warn('playground is off: TEAMS_APP_ID is set, so /api/messages accepts only signed Teams activities. Unset the TEAMS_APP_* keys to use the playground.');
    return { platform: 'playground', routes: [] };
  }

  const world = buildWorld(deps.pim, deps.config);
  const log = new ConversationLog({ now: () => deps.clock.now() });
  const clock = (): ClockState => ({ now: deps.clock.now().toISOString(), offsetMs: deps.timeTravel?.offsetMs() ?? 0, canTravel: Boolean(deps.timeTravel) });
  const streams = new EventStreams({ log, clock });
  let baseUrl: string | null = null;
  const serviceUrl = () => (baseUrl ? `${baseUrl}${CONNECTOR_PREFIX}` : null);
  const digest = async () => {
    const r = await deps.pim.sendDigest({ timeZone: deps.env.timezone });
    return { outcome: r.outcome, week: r.week };
  };
  const catchUp = new ScheduleCatchUp([{ name: 'digest', cron: deps.config.schedules.digest, run: digest }], deps.env.timezone);
  const timeTravel = travelWithSchedules(deps, catchUp);
  const api = clientApi({ world, log, streams: () => streams, clock, timeTravel, timeZone: deps.env.timezone, serviceUrl });

  const guard =
    (handler: Handler): Handler =>
    (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (!hostAllowed(deps.env.host, req.headers.host)) return sendJson(res, 403, { error: 'the playground answers on localhost only' });
      return handler(req, res, url);
    };
  const route = (method: string | undefined, path: string, handler: Handler): AdapterRoute => ({ ...(method ? { method } : {}), path, handler: guard(handler) });

  return {
    platform: 'playground',
    routes: [
      ...assets().map((a) => route('GET', a.path, assetHandler(a))),
      route('GET', '/playground/setup', api.setup),
      route('GET', '/playground/events', streams.handler),
      route('POST', '/playground/api/messages', api.postMessage),
      route('PUT', '/playground/api/messages', api.putCard),
      route('GET', '/playground/clock', api.getClock),
      route('POST', '/playground/clock', api.postClock),
      route(undefined, `${CONNECTOR_PREFIX}*`, connectorHandler(log)),
    ],
    async start(server) {
      if (!server) {
        deps.logger.warn('playground: started without the server URL, so the bot was not announced; proactive messages wait until a person writes');
        return;
      }
      baseUrl = server.url.replace(/\/+$/, '');
      const activities = installActivities(world, serviceUrl() as string, deps.clock.now());
      const failed = await announce(baseUrl, activities, deps.logger);
      deps.logger.info(
        { url: `${baseUrl}/`, users: world.users.length, channels: world.places.map((p) => p.label), installs: activities.length - failed },
        `playground: open ${baseUrl}/ in a browser (dev mode only)`,
      );
    },
    async stop() {
      streams.close();
      await catchUp.close();
    },
  };
};
