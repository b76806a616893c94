/**
 * The Slack work thread (adapters/slack/work-thread): a composition root of its own that runs on a
 * worker thread. It opens its own connections to the bot's PostgreSQL, builds the same core and
 * the same Bolt listeners as the main thread, and handles the Slack requests the main thread hands
 * it after acking them. Its outbox rows wake the main thread's dispatcher through NOTIFY; its log
 * lines and counts go to the main thread's logger and metrics registry.
 *
 * It runs a few nice levels below the main thread: acking is cheap and has a deadline (Slack gives
 * 3 s), the work after it is most of the CPU and can wait a moment when both want the same core.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { pino } from 'pino';
import { answeringClientOptions, buildSlackApp, type BotIds } from '../adapters/slack/bolt-app.js';
import type { FromWorkThread } from '../adapters/slack/work-thread/protocol.js';
import { serveRequests, ThreadReceiver } from '../adapters/slack/work-thread/serve.js';
import { systemClock } from './clock.js';
import type { Env } from './config/env.js';
import type { PimConfig } from './config/pim-config.js';
import { buildCore } from './core-factory.js';
import { openDatabase, type Database } from './db/client.js';
import { DedupeStore } from './db/dedupe.js';
import { MessageRefStore } from './db/message-refs.js';
import { InboxStore } from './db/inbox.js';
import { countAudit, type OutcomeCounters } from './metrics.js';
import { lowerThisThreadPriority } from './threads.js';

export interface SlackWorkThreadData {
  env: Env;
  config: PimConfig;
  databaseUrl: string;
  /** postgres.js pool size of the thread's own connections. */
  maxConnections: number;
  botIds: BotIds | null;
  /** Nice levels below the main thread (0: the same priority). */
  niceness: number;
  /** The process's node id (src/db/nodes.ts), whose inbox rows this thread works on. */
  node: number;
}

async function run(port: MessagePort, data: SlackWorkThreadData): Promise<void> {
  const send = (m: FromWorkThread) => port.postMessage(m);
  const logger = pino({ level: data.env.logLevel, base: { thread: 'slack-work' } }, { write: (line: string) => send({ type: 'log', line }) });
  const priority = data.niceness > 0 ? lowerThisThreadPriority(data.niceness) : null;
  if (priority && !priority.ok) logger.info({ reason: priority.reason }, 'slack work thread: runs at the main thread priority (could not lower it)');

  let database: Database | undefined;
  try {
    const token = data.env.slack.botToken;
    if (!token) throw new Error('SLACK_BOT_TOKEN is not set');
    database = await openDatabase({ url: data.databaseUrl, maxConnections: data.maxConnections });
    const count = (metric: 'activations' | 'approvals') => ({ inc: (labels: { outcome: string }) => send({ type: 'count', metric, labels }) });
    const metrics: OutcomeCounters = { activations: count('activations'), approvals: count('approvals') };
    // No onOutboxCommit: on PostgreSQL a commit that queued messages NOTIFYs every replica's dispatcher.
    const { pim, store } = buildCore({ env: data.env, config: data.config, database, clock: systemClock });
    store.onCommit((events) => {
      countAudit(metrics, events);
      send({ type: 'audited', events: events.map((e) => ({ action: e.action, ...(typeof e.details.principal === 'string' ? { principal: e.details.principal } : {}) })) });
    });
    const receiver = new ThreadReceiver();
    const slack = buildSlackApp({
      pim,
      clock: systemClock,
      logger,
      metrics,
      dedupe: new DedupeStore(database.db),
      timeZone: data.env.timezone,
      token,
      self: data.botIds,
      receiver,
      clientOptions: answeringClientOptions(data.env.slack.apiUrl),
      workspaces: data.config.slack,
      messageRefs: new MessageRefStore(database.db),
    });
    const db = database;
    const inbox = new InboxStore(database.db, data.node);
    serveRequests(port, { receiver, logger, idle: () => slack.idle(), close: () => db.close(), done: (key) => inbox.done(key, systemClock.now()) });
    send({ type: 'ready' });
  } catch (err) {
    await database?.close().catch(() => {});
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    port.close();
  }
}

if (parentPort) await run(parentPort, workerData as SlackWorkThreadData);
