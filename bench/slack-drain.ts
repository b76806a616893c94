/**
 * Slack drain benchmark: a burst of queued notices (`--dms` DMs to distinct users and `--channel`
 * messages to one channel) drains through the outbox to a Slack that enforces its limits, and the
 * bench reports the rate reached against the rate the shared limiter (src/db/rate-limits.ts) is
 * configured for, and how many 429s it ran into; then the same burst without the limiter.
 *
 *   npx tsx bench/slack-drain.ts [--dms 2000] [--channel 100] [--limit 50] [--channel-limit 5]
 *                                [--pace 0.9] [--replicas 2] [--phases paced,unpaced] [--time-limit 600]
 *   (npm run bench:drain)
 *
 * - Slack: the test suite's FakeSlack on its own worker thread (bench/lib/limited-slack-worker.ts),
 *   enforcing on chat.postMessage at most `--limit` calls in any second workspace-wide and
 *   `--channel-limit` in any second per channel, answering 429 with Retry-After above them, as
 *   Slack does. Real Slack allows about 1 per second per channel and several hundred a minute
 *   workspace-wide (adapters/slack/limits.ts); the defaults scale both up so a run takes about a
 *   minute per phase.
 * - pimbot, as src/app.ts wires it, `--replicas` times over on separate connection pools: the
 *   outbox Dispatcher with its default tuning, each on its own node (src/db/nodes.ts), and a
 *   SlackMessenger with the outbound Web API client the adapter uses (no retries in the client,
 *   429 rejected at once). Paced: each messenger has its own PgRateLimiter on the shared database,
 *   configured at `--pace` of the fake's limits (per channel and workspace-wide); a burst of what
 *   the limit leaves over the paced rate, so no second can exceed the limit.
 * - Database: a scratch database `pim_bench_drain_<random>` created on DATABASE_URL's server
 *   (default postgres://postgres@127.0.0.1:5432/test), migrated, dropped at the end.
 * - Each phase bulk-inserts the rows (the channel messages first, then the DMs, so the channel's
 *   backlog drains while the DMs flow), wakes the dispatchers, and waits until the outbox is
 *   empty. Rate = messages Slack answered ok per second, between its first and last ok answer
 *   (for the channel rate, to that channel).
 *
 * Prints a table and writes bench/results/slack-drain.json. Bounded: it stops at `--time-limit`
 * seconds whatever happens, cleaning up and exiting non-zero.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import type { SlackLimits } from '../adapters/slack/limits.js';
import { SlackMessenger } from '../adapters/slack/messenger.js';
import type { Rate } from '../adapters/shared/pace.js';
import { systemClock } from '../src/clock.js';
import { Directory, type OutboxPayload } from '../src/core/index.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { MessageRefStore } from '../src/db/message-refs.js';
import type { NodeMembership } from '../src/db/nodes.js';
import { OutboxQueue } from '../src/db/outbox-queue.js';
import { outbox } from '../src/db/outbox.sql.js';
import { PgRateLimiter } from '../src/db/rate-limits.js';
import { Dispatcher } from '../src/jobs/dispatcher.js';
import { RecordProvider } from '../src/providers/record.js';
import type { Answered, LimitedSlackData, LimitedSlackStats } from './lib/limited-slack-worker.js';
import { round1 } from './lib/stats.js';
import { nextMessage, startTsWorker } from './lib/thread.js';
import { scratchDatabase } from './lib/pimbot.js';

const { values: args } = parseArgs({
  options: {
    dms: { type: 'string', default: '2000' },
    channel: { type: 'string', default: '100' },
    limit: { type: 'string', default: '50' },
    'channel-limit': { type: 'string', default: '5' },
    pace: { type: 'string', default: '0.9' },
    replicas: { type: 'string', default: '2' },
    phases: { type: 'string', default: 'paced,unpaced' },
    'time-limit': { type: 'string', default: '600' },
  },
});
const positive = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got ${v}`);
  return n;
};
const OPTS = {
  dms: Math.floor(positive(args.dms, 'dms')),
  channel: Math.floor(positive(args.channel, 'channel')),
  limit: positive(args.limit, 'limit'),
  channelLimit: positive(args['channel-limit'], 'channel-limit'),
  pace: Math.min(1, positive(args.pace, 'pace')),
  replicas: Math.floor(positive(args.replicas, 'replicas')),
  phases: (args.phases ?? '').split(',').filter((p): p is Phase => p === 'paced' || p === 'unpaced'),
  timeLimitMs: positive(args['time-limit'], 'time-limit') * 1000,
};
type Phase = 'paced' | 'unpaced';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'results', 'slack-drain.json');
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHANNEL_ID = 'C0BENCH';
const silent = { info: () => {}, warn: () => {}, error: (obj: object, msg?: string) => console.error(msg ?? 'error', obj) };
const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/**
 * The limiter's rate for a limit of `max` a second: `pace` of it sustained, and a burst of what
 * is left, so that burst + a second's worth never exceeds `max`. The interval is rounded up to
 * whole milliseconds, as the limiter keeps them.
 */
function pacedRate(max: number): Rate {
  const sustained = max * OPTS.pace;
  const burst = Math.max(1, Math.floor(max - sustained));
  return { intervalMs: Math.ceil(1000 / Math.max(sustained, 1e-3)), burst };
}
const perSecond = (r: Rate) => round1(1000 / r.intervalMs);

const users = Array.from({ length: OPTS.dms }, (_, i) => ({ id: `user${i}@bench.example`, name: `User ${i}`, kind: 'user' as const, slack: `U${String(i).padStart(7, '0')}` }));
const directory = new Directory(users, [], []);
const channels = { bench: { slack: CHANNEL_ID } };

interface Replica {
  database: Database;
  node: NodeMembership;
  dispatcher: Dispatcher;
  deadLettered: number;
}

async function startReplica(url: string, apiUrl: string, paced: boolean, limits: Partial<SlackLimits>): Promise<Replica> {
  const database = await openDatabase({ url });
  const node = await database.joinAsNode();
  // The adapter's outbound client: the outbox owns retries and waits.
  const api = new webApi.WebClient('xoxb-bench', { slackApiUrl: `${apiUrl}/`, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 10_000, logLevel: LogLevel.ERROR });
  const messenger = new SlackMessenger({ api, channels, directory, clock: systemClock, timeZone: 'UTC', limits, ...(paced ? { pacer: new PgRateLimiter(database.db) } : {}) });
  const replica: Replica = { database, node, deadLettered: 0, dispatcher: undefined as unknown as Dispatcher };
  replica.dispatcher = new Dispatcher({
    queue: new OutboxQueue(database.db),
    refs: new MessageRefStore(database.db),
    messengers: () => [messenger],
    provider: new RecordProvider(),
    clock: systemClock,
    logger: silent,
    node: node.id,
    hooks: {
      currentNotice: async (n) => n,
      completeGrant: async () => {},
      failGrant: async () => {},
      revokeFailed: async () => {},
      deadLettered: async () => {
        replica.deadLettered += 1;
      },
    },
  });
  replica.dispatcher.start();
  return replica;
}

async function stopReplica(r: Replica): Promise<void> {
  await r.dispatcher.stop();
  await r.node.close();
  await r.database.close();
}

/** The burst, oldest first: the channel messages, then one DM to each user. */
function burst(phase: Phase): { dedupeKey: string; payload: OutboxPayload }[] {
  const toChannel = Array.from({ length: OPTS.channel }, (_, n) => ({
    dedupeKey: `${phase}:channel:${n}`,
    payload: { type: 'message', platform: 'slack', to: { kind: 'channel', channel: 'bench' }, notice: { kind: 'text', text: `channel message ${n}` } } satisfies OutboxPayload,
  }));
  const dms = users.map((u, i) => ({
    dedupeKey: `${phase}:dm:${i}`,
    payload: { type: 'message', platform: 'slack', to: { kind: 'user', principalId: u.id }, notice: { kind: 'text', text: `DM ${i} for ${u.name}` } } satisfies OutboxPayload,
  }));
  return [...toChannel, ...dms];
}

/** Answers per second between the first and the last. */
const rateOf = (a: Answered): number => (a.okAt ? round1(a.ok / (Math.max(1, a.okAt[1] - a.okAt[0]) / 1000)) : NaN);

interface PhaseResult {
  phase: Phase;
  messages: number;
  delivered: number;
  deadLettered: number;
  drainMs: number;
  ratePerSecond: number;
  channelRatePerSecond: number;
  limited: number;
  configured: { perSecond: number; channelPerSecond: number } | null;
}

async function runPhase(phase: Phase, url: string, sql: postgres.Sql, fake: Worker, apiUrl: string): Promise<PhaseResult> {
  const limits = { postPerWorkspace: pacedRate(OPTS.limit), postPerChannel: pacedRate(OPTS.channelLimit) };
  await sql`truncate table outbox, rate_limits restart identity`;
  const reset = nextMessage(fake, (m) => m.type === 'reset', 30_000, 'fake Slack');
  fake.postMessage({ type: 'reset' });
  await reset;

  const replicas: Replica[] = [];
  for (let r = 0; r < OPTS.replicas; r++) replicas.push(await startReplica(url, apiUrl, phase === 'paced', limits));
  try {
    const rows = burst(phase);
    const now = new Date();
    const db = replicas[0]?.database.db;
    if (!db) throw new Error('no replica');
    for (let k = 0; k < rows.length; k += 500) {
      await db.insert(outbox).values(rows.slice(k, k + 500).map((r) => ({ ...r, nextAttemptAt: now, createdAt: now })));
    }
    log(`${phase}: ${rows.length} rows queued, ${OPTS.replicas} replica(s) draining`);
    const started = Date.now();
    for (const r of replicas) r.dispatcher.wake();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [left] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where delivered_at is null and dead_at is null`;
      if ((left?.n ?? 0) === 0) break;
    }
    const drainMs = Date.now() - started;
    const got = nextMessage<LimitedSlackStats>(fake, (m) => m.type === 'stats', 30_000, 'fake Slack');
    fake.postMessage({ type: 'stats', channel: CHANNEL_ID });
    const stats = await got;
    const [row] = await sql<{ delivered: number }[]>`select count(*)::int as delivered from outbox where delivered_at is not null`;
    const result: PhaseResult = {
      phase,
      messages: rows.length,
      delivered: row?.delivered ?? 0,
      deadLettered: replicas.reduce((n, r) => n + r.deadLettered, 0),
      drainMs,
      ratePerSecond: rateOf(stats),
      channelRatePerSecond: rateOf(stats.channel),
      limited: stats.limited,
      configured: phase === 'paced' ? { perSecond: perSecond(limits.postPerWorkspace), channelPerSecond: perSecond(limits.postPerChannel) } : null,
    };
    if (stats.ok !== rows.length) console.error(`${phase}: Slack answered ${stats.ok} posts ok for ${rows.length} messages`);
    log(`${phase}: drained in ${drainMs} ms, ${stats.ok} posts ok, ${stats.limited} answered 429`);
    return result;
  } finally {
    for (const r of replicas) await stopReplica(r);
  }
}

async function main(): Promise<number> {
  const scratch = await scratchDatabase(BASE_URL, 'pim_bench_drain');
  const url = new URL(scratch.url);
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const data: LimitedSlackData = {
    limits: [
      { max: OPTS.limit, windowMs: 1_000 },
      { max: OPTS.channelLimit, windowMs: 1_000, perChannel: true },
    ],
  };
  const fake = startTsWorker(new URL('./lib/limited-slack-worker.ts', import.meta.url), data);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    fake.postMessage({ type: 'close' });
    await fake.terminate().catch(() => {});
    await sql.end({ timeout: 5 }).catch(() => {});
    await scratch.drop().catch((err: unknown) => console.error('could not drop', scratch.name, err));
  };
  const deadline = setTimeout(() => {
    console.error(`time limit of ${OPTS.timeLimitMs / 1000}s reached`);
    void cleanup().finally(() => process.exit(2));
  }, OPTS.timeLimitMs);
  try {
    const migrating = await openDatabase({ url: url.toString() });
    await migrating.migrate();
    await migrating.close();
    const { apiUrl } = await nextMessage<{ apiUrl: string }>(fake, (m) => m.type === 'ready', 30_000, 'fake Slack');
    log(
      `Slack enforces ${OPTS.limit}/s workspace-wide and ${OPTS.channelLimit}/s per channel on chat.postMessage; ${OPTS.dms} DMs + ${OPTS.channel} channel messages; ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0]?.toFixed(2)}`,
    );
    const results: PhaseResult[] = [];
    for (const phase of OPTS.phases) results.push(await runPhase(phase, url.toString(), sql, fake, apiUrl));

    console.log('\nphase    | messages | drained in | rate (msg/s) | limiter configured (msg/s) | channel rate (msg/s) | limiter per channel | 429s | dead');
    for (const r of results) {
      const cfg = r.configured;
      console.log(
        `${r.phase.padEnd(8)} | ${String(r.messages).padStart(8)} | ${(r.drainMs / 1000).toFixed(1).padStart(8)} s | ${String(r.ratePerSecond).padStart(12)} | ${String(cfg?.perSecond ?? '-').padStart(26)} | ${String(r.channelRatePerSecond).padStart(20)} | ${String(cfg?.channelPerSecond ?? '-').padStart(19)} | ${String(r.limited).padStart(4)} | ${r.deadLettered}`,
      );
    }
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(
      OUT,
      `${JSON.stringify({ at: new Date().toISOString(), options: OPTS, cpus: availableParallelism(), loadAverage: loadavg()[0], slackLimits: { perSecond: OPTS.limit, channelPerSecond: OPTS.channelLimit }, results }, null, 2)}\n`,
    );
    const complete = results.every((r) => r.delivered === r.messages && r.deadLettered === 0);
    if (!complete) console.error('every message must be delivered and none dead-lettered');
    return complete ? 0 : 1;
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
