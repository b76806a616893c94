/**
 * Builds the running bot from env and config: database, core, chat adapters, jobs, HTTP server.
 * `src/main.ts` calls this for the real process; e2e tests call it to start the real bot in-process.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatAdapter, ChatAdapterDeps, ChatAdapterFactory } from '../adapters/types.js';
import { OffsetClock, systemClock } from './clock.js';
import { resolveEncryptionKeys } from './config/encryption-key.js';
import type { Env } from './config/env.js';
import { ConfigError } from './config/errors.js';
import type { PimConfig } from './config/pim-config.js';
import type { Clock, GrantProvider, Messenger, Pim, Platform } from './core/index.js';
import { configFingerprint } from './config/fingerprint.js';
import { applyBootstrap, buildCore } from './core-factory.js';
import { openDatabase, type Database } from './db/client.js';
import { ConversationRefStore } from './db/conversation-refs.js';
import { DedupeStore } from './db/dedupe.js';
import { InboxStore } from './db/inbox.js';
import { pruneAuditTrail } from './db/audit-retention.js';
import { META_DEV_CLOCK_OFFSET, MetaStore } from './db/meta.js';
import { PgRateLimiter } from './db/rate-limits.js';
import { MessageRefStore } from './db/message-refs.js';
import { OutboxQueue } from './db/outbox-queue.js';
import { OUTBOX_CHANNEL } from './db/repos/outbox.js';
import { DeadlineLoop } from './jobs/deadlines.js';
import { Dispatcher } from './jobs/dispatcher.js';
import { Reconciler, reconcileJob, type ReconcileFinding } from './jobs/reconcile.js';
import { Coalesced } from './jobs/coalesce.js';
import { alertScanJob, auditHeadJob, auditRetentionJob, DEDUPE_KEEP_MS, DEFAULT_ALERT_SCAN_CRON, digestJob, housekeepingJob, Schedules } from './jobs/schedules.js';
import { createLogger, type Logger } from './logger.js';
import { countAudit, createMetrics, type Metrics } from './metrics.js';
import { opsRoutes } from './ops-routes.js';
import { createHttpServer, type Route } from './server.js';
import type { SlackWorkThreadData } from './slack-work-thread.js';
import { siblingModule, startModuleThread } from './threads.js';

/** Audit actions after which the alert rules may find something new, or something cleared. */
const ALERT_TRIGGERS: ReadonlySet<string> = new Set([
  'activation.started',
  'activation.expired',
  'activation.deactivated',
  'activation.removed',
  'assignment.created',
  'assignment.renewed',
  'assignment.expired',
  'assignment.deactivated',
  'assignment.removed',
  'config.changed',
]);

export interface AppOptions {
  env: Env;
  config: PimConfig;
  clock?: Clock;
  /** An already opened (and migrated) database; the app then does not close it. */
  database?: Database;
  logger?: Logger;
  /** Chat adapters to run; default: built from env by `adapterFactories`. */
  adapters?: ((deps: ChatAdapterDeps) => ChatAdapter | Promise<ChatAdapter>)[];
  /** Listen on this port instead of env.port (0 = any free port). */
  port?: number;
  /** Dispatcher tuning (tests shorten the backoff). */
  dispatcher?: { baseBackoffMs?: number; giveUpAfterMs?: number; pollMs?: number };
  /** Do not run the deadline loop (tests drive deadlines by hand). */
  noDeadlineLoop?: boolean;
  /**
   * Scan for security alerts: on schedule, at start and right after the changes that can trigger
   * a rule (default true). Test harnesses turn all three off so alert cards do not mix with the
   * messages a test counts (a test running across a quarter hour would otherwise meet the
   * scheduled scan's cards); alert tests turn it on.
   */
  alertScans?: boolean;
  /**
   * Called once per reconciliation finding, after it is audited (`reconcile.finding`): the port the
   * security alerts ("assigned outside PIM") consume.
   */
  onReconcileFinding?: (f: ReconcileFinding) => void | Promise<void>;
}

/** Nice levels the Slack work thread runs below the main thread (see src/slack-work-thread.ts). */
export const SLACK_WORK_THREAD_NICENESS = 10;

/**
 * Whether Slack requests are handled on a work thread (SLACK_WORK_THREAD): it needs PostgreSQL
 * (the thread opens its own connections), HTTP mode, and the system clock (dev mode's movable
 * clock, or a clock a test passes in, lives on this thread only). Null: on this thread.
 */
export function slackWorkThreadUrl(env: Env, database: Database, clock: Clock): string | null {
  const setting = env.slack.workThread;
  if (!env.slack.enabled || setting === 'off') return null;
  const missing: string[] = [];
  if (database.kind !== 'postgres' || !database.url) missing.push('PostgreSQL (DATABASE_URL), not the embedded PGlite');
  if (env.slack.mode !== 'http') missing.push('HTTP mode (SLACK_APP_TOKEN unset)');
  if (env.devMode) missing.push('dev mode off');
  else if (clock !== systemClock) missing.push('the system clock');
  if (missing.length === 0) return database.url;
  if (setting === 'on') throw new ConfigError('SLACK_WORK_THREAD=on, but a Slack work thread needs:', missing);
  return null;
}

export interface AppHandle {
  url: string;
  port: number;
  server: Server;
  pim: Pim;
  clock: Clock;
  database: Database;
  dispatcher: Dispatcher;
  deadlines: DeadlineLoop;
  /** Cron jobs (the weekly digest); `runNow('digest')` runs one as its schedule would. */
  schedules: Schedules;
  /** The grant provider (routing to each role's provider). */
  provider: GrantProvider;
  /** Compares the target systems with PIM (`schedules.runNow('reconcile')` runs it as scheduled). */
  reconciler: Reconciler;
  metrics: Metrics;
  logger: Logger;
  adapters: ChatAdapter[];
  /** Stops taking work, finishes what is in flight, closes the database (if the app opened it). */
  close(): Promise<void>;
}

export async function startApp(options: AppOptions): Promise<AppHandle> {
  const { env, config } = options;
  // Dev mode runs on a clock the playground can move forward (time travel).
  const clock = options.clock ?? (env.devMode ? new OffsetClock() : systemClock);
  const logger = options.logger ?? createLogger(env.logLevel);
  const metrics = createMetrics({ defaults: !options.database });
  // Before anything is opened: outside dev mode a missing PIM_ENCRYPTION_KEY stops the start here.
  const keys = resolveEncryptionKeys(env);
  if (keys.source.kind === 'dev-file') {
    const { path, generated } = keys.source;
    if (generated) logger.warn({ path }, `dev mode: generated an encryption key for MFA secrets and kept it in ${path}; outside dev mode set PIM_ENCRYPTION_KEY`);
    else logger.info({ path }, `dev mode: MFA secrets are encrypted with the key in ${path}`);
  }

  const ownsDatabase = !options.database;
  const database =
    options.database ?? (await openDatabase(env.databaseUrl ? { url: env.databaseUrl } : { pgliteDir: env.pgliteDir }));
  if (ownsDatabase) await database.migrate();
  const meta = new MetaStore(database.db);
  // Dev mode's own clock goes on from where it was: what was made "in the future" stays there.
  const devClock = !options.clock && clock instanceof OffsetClock ? clock : null;
  if (devClock) devClock.restore((await meta.get<number>(META_DEV_CLOCK_OFFSET)) ?? 0);
  // This process's liveness: what it claims and then dies holding, a live replica takes over.
  const node = await database.joinAsNode();

  let dispatcher: Dispatcher | null = null;
  let deadlines: DeadlineLoop | null = null;
  const messengers: Messenger[] = [];
  const { pim, store, provider, mfa } = buildCore({
    env,
    config,
    database,
    clock,
    onOutboxCommit: () => {
      dispatcher?.wake();
      deadlines?.wake();
    },
    platforms: () => messengers.map((m) => m.platform),
    keys: keys.ring,
  });
  // Secrets stored in plaintext (before encryption) or under a previous key are encrypted now.
  const sealed = await mfa.sealStoredSecrets(store);
  if (sealed.encrypted + sealed.resealed > 0) logger.info({ ...sealed, keyId: keys.ring.current.id }, `MFA secrets: ${sealed.encrypted} encrypted in place, ${sealed.resealed} re-encrypted with the current key`);
  if (sealed.unreadable.length > 0) {
    logger.error(
      { principals: sealed.unreadable, keyId: keys.ring.current.id },
      `MFA secrets of ${sealed.unreadable.length} principal(s) were encrypted with a key that is neither PIM_ENCRYPTION_KEY nor in PIM_ENCRYPTION_PREVIOUS_KEYS: their codes are refused until the key is given back or they enrol again`,
    );
  }

  const bootstrapped = await applyBootstrap(pim, config, clock);
  if (bootstrapped > 0) logger.info({ assignments: bootstrapped }, 'bootstrap assignments applied to the empty database');
  // Role settings, approvers and admins are audited when they change between starts.
  for (const deadEnd of await pim.approvalDeadEnds()) logger.warn({ check: 'approval' }, `pim.config.yaml: ${deadEnd}`);
  const configChanges = await pim.recordConfig(configFingerprint(config), config.isDemo ? 'demo' : config.source);
  if (configChanges && configChanges.length > 0) logger.info({ changed: configChanges }, `pim.config.yaml changed since the last start: ${configChanges.join(', ')} (audited)`);

  const dedupe = new DedupeStore(database.db);
  const rateLimiter = new PgRateLimiter(database.db);
  // Bound once the alert scan exists below; the Slack work thread's commits arrive through it.
  let auditedElsewhere: (events: readonly { action: string; principal?: unknown }[]) => void = () => {};
  const deps: ChatAdapterDeps = {
    pim,
    env,
    config,
    clock,
    logger,
    metrics,
    dedupe,
    inbox: new InboxStore(database.db, node.id),
    onAudited: (events) => auditedElsewhere(events),
    conversations: new ConversationRefStore(database.db),
    messageRefs: new MessageRefStore(database.db),
    // Outbound chat calls are paced at the platforms' rates, shared by every replica (PostgreSQL).
    ...(config.delivery.pacing ? { pacer: rateLimiter } : {}),
    mfa: {
      enroll: (principalId: string) => store.transaction((uow) => mfa.enroll(uow, principalId, clock.now())),
    },
    timeTravel:
      env.devMode && clock instanceof OffsetClock
        ? {
            advance: async (ms: number) => {
              clock.advance(ms);
              if (devClock) await meta.set(META_DEV_CLOCK_OFFSET, clock.offset);
              deadlines?.wake();
              dispatcher?.wake();
            },
            settled: async () => {
              await deadlines?.settled();
              await dispatcher?.drained();
            },
            offsetMs: () => clock.offset,
          }
        : undefined,
  };
  const workThreadUrl = slackWorkThreadUrl(env, database, clock);
  if (workThreadUrl) {
    const data: Omit<SlackWorkThreadData, 'botIds'> = { env, config, databaseUrl: workThreadUrl, maxConnections: 10, niceness: SLACK_WORK_THREAD_NICENESS, node: node.id };
    const entry = siblingModule(import.meta.url, 'slack-work-thread');
    deps.slackWorkThread = (botIds) => startModuleThread(entry, { ...data, botIds } satisfies SlackWorkThreadData, 'pimbot-slack-work');
  }
  const adapters: ChatAdapter[] = [];
  for (const make of options.adapters ?? (await defaultAdapters(env))) adapters.push(await make(deps));
  for (const a of adapters) if (a.messenger) messengers.push(a.messenger);

  const refs = new MessageRefStore(database.db);
  const queue = new OutboxQueue(database.db);
  dispatcher = new Dispatcher({
    queue,
    refs,
    messengers: () => messengers,
    provider,
    clock,
    logger,
    node: node.id,
    giveUpAfterMs: config.delivery.giveUpAfterMs,
    ...options.dispatcher,
    metrics: {
      delivered: (type, platform, ms) => metrics.deliveryLatency.observe({ type, platform }, ms),
      failed: (type, platform, final) => metrics.deliveryFailures.inc({ type, platform, final: String(final) }),
    },
    hooks: {
      currentNotice: (n) => pim.currentNotice(n),
      currentNotices: (ns) => pim.currentNotices(ns),
      completeGrant: (id) => pim.completeGrant(id),
      failGrant: (id, reason) => pim.failGrant(id, reason),
      revokeFailed: (target, reason) => pim.revokeFailed(target, reason),
      deadLettered: (row, error) => pim.deliveryFailed(row, error),
      channelReached: (channel) => pim.channelDelivered(channel),
    },
  });
  deadlines = new DeadlineLoop({
    work: pim,
    clock,
    logger,
    ...(clock instanceof OffsetClock ? { clockLandedAt: () => clock.landedAt } : {}),
    onProcessed: (r) => {
      for (const lag of r.expiryLagsMs) metrics.expiryLag.observe(lag);
    },
  });
  // Activations and approvals are counted from the audit rows of committed transactions.
  const stopCounting = store.onCommit((events) => countAudit(metrics, events));
  // Alerts are scanned right after what can trigger a rule commits (a break-glass activation is
  // told within a second), coalesced so a burst of changes is one or two scans.
  // At most one scan a minute for ordinary changes (a scan reads every current assignment); a
  // change to a break-glass account's roles is scanned at once.
  const alertScan = new Coalesced(() => pim.scanAlerts(), (err) => logger.error({ err }, 'alert scan failed; the scheduled scan will try again'), 250, 60_000);
  const breakGlass = new Set(config.principals.filter((p) => p.breakGlass).map((p) => p.id.toLowerCase()));
  const triggered = (events: readonly { action: string; principal?: unknown }[]) => {
    const relevant = events.filter((e) => ALERT_TRIGGERS.has(e.action));
    if (relevant.length === 0) return;
    alertScan.poke(relevant.some((e) => typeof e.principal === 'string' && breakGlass.has(e.principal.toLowerCase())));
  };
  if (options.alertScans !== false) auditedElsewhere = triggered;
  const stopAlertTriggers =
    options.alertScans === false ? () => {} : store.onCommit((events) => triggered(events.map((e) => ({ action: e.action, principal: e.details.principal }))));
  const reconciler = new Reconciler({
    store,
    provider,
    clock,
    logger,
    routes: () => config.grants.routes,
    missing: config.reconcile.missing,
    graceMs: config.reconcile.graceMs,
    ...(options.onReconcileFinding ? { onFinding: options.onReconcileFinding } : {}),
    onRun: async (r) => {
      metrics.reconcileRuns.inc({ outcome: r.outcome });
      for (const f of r.findings) metrics.reconcileFindings.inc({ kind: f.kind, action: f.action });
      if (r.errors.length > 0) metrics.reconcileErrors.inc(r.errors.length);
      // Grants the targets hold that PIM did not make are the "assigned outside PIM" alerts.
      if (r.outcome === 'ran') {
        await pim.syncOutsidePim({
          held: r.findings.filter((f) => f.kind === 'outside_pim').map((f) => ({ role: f.role, scope: f.scope, identity: f.identity ?? '?', principalId: f.principalId })),
          unlisted: r.errors.map((e) => ({ role: e.role, scope: e.scope })),
        });
      }
    },
  });
  const schedules = new Schedules({
    jobs: [
      digestJob(pim, { cron: config.schedules.digest, timeZone: env.timezone }),
      housekeepingJob(dedupe, clock, DEDUPE_KEEP_MS, rateLimiter),
      auditRetentionJob(() => pruneAuditTrail(database.db, clock, config.audit.retentionMs)),
      ...(options.alertScans === false ? [] : [alertScanJob(() => pim.scanAlerts(), config.schedules.alertScan ?? DEFAULT_ALERT_SCAN_CRON)]),
      auditHeadJob(pim, { timeZone: env.timezone }),
      // Only a provider that grants outside the database has anything to reconcile.
      ...(provider.inline ? [] : [reconcileJob(reconciler, config.reconcile.schedule)]),
    ],
    timezone: env.timezone,
    logger,
    onRun: (name, outcome) => {
      if (name === 'reconcile' && outcome === 'failed') metrics.reconcileRuns.inc({ outcome: 'failed' });
    },
  });
  const unlisten = await database.listen(OUTBOX_CHANNEL, () => {
    dispatcher?.wake();
    deadlines?.wake();
  });
  metrics.setOutboxDepthSource(() => queue.depth());

  const routes: Route[] = [
    ...opsRoutes({ ping: () => database.ping(), metrics, metricsToken: env.metricsToken }),
    ...adapters.flatMap((a) => a.routes),
  ];
  const server = createHttpServer(routes, logger);
  const port = options.port ?? env.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, env.host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  for (const a of adapters) await a.start?.({ url: `http://127.0.0.1:${actualPort}` });
  dispatcher.start();
  if (!options.noDeadlineLoop) deadlines.start();
  schedules.start();
  if (options.alertScans !== false) alertScan.poke();

  const platforms: Platform[] = adapters.map((a) => a.platform);
  logger.info(
    {
      adapters: platforms,
      slack: env.slack.enabled ? env.slack.mode : 'off',
      teams: env.teams.enabled ? 'on' : env.devMode ? 'dev (no auth)' : 'off',
      devMode: env.devMode,
      database: database.kind,
      provider: provider.name,
      config: config.isDemo ? 'demo' : config.source,
      url: `http://${env.host}:${actualPort}`,
    },
    `pimbot listening on http://${env.host}:${actualPort}: adapters ${platforms.join(', ') || 'none'}; dev mode ${env.devMode ? 'ON' : 'off'}`,
  );
  if (env.devMode) {
    logger.warn(
      { host: env.host },
      'DEV MODE IS ON: the playground is served and Bot Framework activities are accepted without a token. Never expose this to a network.',
    );
  }

  let closed = false;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    server,
    pim,
    clock,
    database,
    dispatcher,
    deadlines,
    schedules,
    provider,
    reconciler,
    metrics,
    logger,
    adapters,
    async close() {
      if (closed) return;
      closed = true;
      const serverClosed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Adapters end their long-lived responses (the playground's event streams) so the server can close.
      for (const a of adapters) await a.stop?.();
      await serverClosed;
      await schedules.stop();
      stopAlertTriggers();
      await alertScan.stop();
      await deadlines?.stop();
      await dispatcher?.stop();
      await provider.close?.();
      stopCounting();
      await unlisten();
      await node.close();
      if (ownsDatabase) await database.close();
    },
  };
}

/** The adapters the environment asks for. */
async function defaultAdapters(env: Env): Promise<((deps: ChatAdapterDeps) => ChatAdapter | Promise<ChatAdapter>)[]> {
  const list: ((deps: ChatAdapterDeps) => ChatAdapter | Promise<ChatAdapter>)[] = [];
  const registry = await import('../adapters/registry.js');
  const add = (f: ChatAdapterFactory | undefined) => {
    if (f) list.push(f);
  };
  if (env.slack.enabled) add(registry.slackAdapter);
  if (env.teams.enabled || env.devMode) add(registry.teamsAdapter);
  if (env.devMode) add(registry.playgroundAdapter);
  return list;
}
