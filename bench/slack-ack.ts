/**
 * Slack acknowledgement benchmark (docs/ARCHITECTURE.md, "Targets"): how long Slack
 * waits for the HTTP 200 that acknowledges a `/pim` command, at 50 concurrent connections, for
 * the real bot on real PostgreSQL and, in the same run, for a bare Bolt app that acks at once.
 * Goal: pimbot's p99 under 150 ms and within 1.5x of the bare app's.
 *
 *   npx tsx bench/slack-ack.ts [--requests 3000] [--warmup 250] [--concurrency 50] [--rounds 6] [--runs 1]
 *                              [--time-limit 900] [--fresh-connections] [--out file.json]
 *   (npm run bench:slack -- --runs 3)
 *
 * - Database: DATABASE_URL when set (used as it is: it must hold no assignments, since the bench
 *   users' eligibility comes from the config's bootstrap); otherwise a scratch database
 *   `pim_bench_<random>` created on postgres://postgres@127.0.0.1:5432/test, migrated, and dropped
 *   at the end (each run gets its own).
 * - pimbot: `startApp` with the Slack adapter (Bolt's HTTPReceiver on POST /slack/events), the
 *   real core, outbox dispatcher and deadline loop, logging at info to a discarding sink; on
 *   PostgreSQL the Slack requests are worked on by the Slack work thread after their ack, as in
 *   production (SLACK_WORK_THREAD=auto; set BENCH_WORK_THREAD=off to measure without it). The
 *   config has one user per activation the run makes, each eligible for Reader (no approval, no
 *   reason needed), so every `/pim activate Reader 1h` is a real activation.
 * - bare: `new App({ receiver: new HTTPReceiver(...) })` whose `/pim` listener only acks.
 * - Slack: a fake Web API and response URLs answering 200 at once (bench/lib/fake-slack-worker.ts),
 *   and the load (bench/lib/load-worker.ts), each on its own worker thread so neither costs the
 *   bot's event loop anything. The load is a closed loop over `concurrency` keep-alive
 *   connections per target, opened in the warm-up and kept for the whole run (--fresh-connections:
 *   opened anew, all at once, at the start of every phase); every request is a correctly signed,
 *   form-encoded slash command with its own trigger id and response URL.
 * - Mixes: `/pim roles` and `/pim activate Reader 1h`. Per run: a warm-up on both targets, then
 *   `rounds` rounds that each run every mix on both targets, the order of the targets alternating
 *   round by round so both see the same machine. After each pimbot phase the bench waits until the
 *   bot has finished every command and delivered every message, so no phase inherits another's work.
 *
 * Besides the ack latencies it reports what explains them: the main thread's busy time per request
 * and its event-loop stalls, how late the answers reached the response URLs, how many activations
 * really happened, and what pimbot logged. BENCH_TRACE=<file> also writes every request's timing.
 *
 * Prints a table and writes bench/results/slack-ack.json (--out elsewhere). Bounded: fixed request
 * counts, a per-request timeout, and an overall time limit after which it cleans up and exits non-zero.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import postgres from 'postgres';
import { slackAdapter, type SlackAdapter } from '../adapters/slack/index.js';
import { startApp, type AppHandle } from '../src/app.js';
import { loadEnv } from '../src/config/env.js';
import { parsePimConfig } from '../src/config/pim-config.js';
import { OutboxQueue } from '../src/db/outbox-queue.js';
import type { AnswerKind } from './lib/fake-slack-worker.js';
import type { PhaseResult, PhaseSpec } from './lib/load-worker.js';
import { median, round1, round2, summarize, type LatencySummary } from './lib/stats.js';
import { nextMessage, startTsWorker } from './lib/thread.js';

// ---------------------------------------------------------------- options

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    runs: { type: 'string' },
    'time-limit': { type: 'string' },
    'fresh-connections': { type: 'boolean' },
    out: { type: 'string' },
  },
});
const int = (v: string | undefined, env: string, def: number): number => {
  const n = Number(v ?? process.env[env] ?? def);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${env}: expected a positive integer, got ${v ?? process.env[env]}`);
  return n;
};
const OPTS = {
  /** Measured requests per mix per target per run. */
  requests: int(args.requests, 'BENCH_REQUESTS', 3000),
  /** Warm-up requests per mix per target per run. */
  warmup: int(args.warmup, 'BENCH_WARMUP', 250),
  concurrency: int(args.concurrency, 'BENCH_CONCURRENCY', 50),
  rounds: int(args.rounds, 'BENCH_ROUNDS', 6),
  runs: int(args.runs, 'BENCH_RUNS', 1),
  timeLimitMs: int(args['time-limit'], 'BENCH_TIME_LIMIT_S', 900) * 1000,
  requestTimeoutMs: 10_000,
  /** Longest wait for pimbot to finish its work after a phase. */
  drainLimitMs: 120_000,
  /**
   * Every phase opens its `concurrency` connections anew, all at once, instead of reusing the pool:
   * a burst of new connections (Slack does not promise to reuse them). The default measures the ack.
   */
  freshConnections: Boolean(args['fresh-connections']) || process.env.BENCH_FRESH_CONNECTIONS === '1',
  /** pimbot's SLACK_WORK_THREAD (BENCH_WORK_THREAD; default auto, which is on with PostgreSQL). */
  workThread: process.env.BENCH_WORK_THREAD ?? 'auto',
};
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = args.out ?? join(HERE, 'results', 'slack-ack.json');
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SIGNING_SECRET = 'bench0signing0secret0000000000000';
const BOT_TOKEN = 'xoxb-0000000000-0000000000000-benchtokenbenchtoken';
const GOAL = { p99Ms: 150, ratio: 1.5 };
/** BENCH_TRACE=<file>: also write every measured request's send time (ms into its phase) and ack latency. */
const TRACE = process.env.BENCH_TRACE;
const trace: { run: number; target: string; mix: string; tag: string; requests: number[][] }[] = [];

type Target = 'pimbot' | 'bare';
type Mix = 'roles' | 'activate';
const MIXES: Mix[] = ['roles', 'activate'];
const TEXT: Record<Mix, string> = { roles: 'roles', activate: 'activate Reader 1h' };

const startedAt = performance.now();
const deadline = performance.timeOrigin + startedAt + OPTS.timeLimitMs;
const log = (msg: string) => console.error(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${msg}`);

// ---------------------------------------------------------------- cleanup and the time limit

const cleanups: (() => Promise<unknown>)[] = [];
/** Runs the cleanups registered after the first `keep` ones, newest first. */
async function cleanUp(keep = 0): Promise<void> {
  while (cleanups.length > keep) {
    const f = cleanups.pop() as () => Promise<unknown>;
    await Promise.race([f().catch((err: unknown) => log(`cleanup: ${String(err)}`)), new Promise((r) => setTimeout(r, 15_000))]);
  }
}
const watchdog = setTimeout(() => {
  log(`time limit of ${OPTS.timeLimitMs / 1000} s reached: cleaning up and stopping`);
  void cleanUp().finally(() => process.exit(3));
}, OPTS.timeLimitMs);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- database

interface BenchDatabase {
  url: string;
  name: string;
  scratch: boolean;
  drop(): Promise<void>;
}

async function admin<T>(url: string, f: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    return await f(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function benchDatabase(): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, name: new URL(given).pathname.slice(1), scratch: false, drop: async () => {} };
  const name = `pim_bench_${randomBytes(4).toString('hex')}`;
  await admin(ADMIN_URL, (sql) => sql.unsafe(`create database "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await admin(ADMIN_URL, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
  };
  return { url: url.toString(), name, scratch: true, drop };
}

// ---------------------------------------------------------------- the two targets

const userId = (i: number) => `U0BENCH${String(i).padStart(5, '0')}`;

function benchConfig(users: number): string {
  const lines = ['directory:', '  users:'];
  for (let i = 0; i < users; i++) lines.push(`    - { id: bench${i}@example.com, name: Bench ${i}, slack: ${userId(i)} }`);
  lines.push(
    'channels:',
    '  approvals: { slack: C0APPROVALS }',
    '  security: { slack: C0SECURITY }',
    'roles:',
    '  - name: Reader',
    '    scopes: [/]',
    '    policy: { requireJustification: false, maxActivation: 8h }',
    'bootstrap:',
    '  assignments:',
  );
  for (let i = 0; i < users; i++) lines.push(`    - { principal: bench${i}@example.com, role: Reader, type: eligible }`);
  return `${lines.join('\n')}\n`;
}

/** Logs as in production (info, JSON), into a sink that keeps only a count and a few warnings and errors. */
function countingLogger() {
  const seen = { warnings: 0, errors: 0, samples: [] as string[] };
  const sink = {
    write(line: string) {
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (!level || Number(level) < 40) return;
      if (Number(level) >= 50) seen.errors += 1;
      else seen.warnings += 1;
      if (seen.samples.length < 5) seen.samples.push(line.slice(0, 500));
    },
  };
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'pimbot' }, timestamp: pino.stdTimeFunctions.isoTime }, sink);
  return { logger, seen };
}

interface Pimbot {
  app: AppHandle;
  adapter: SlackAdapter;
  url: string;
  logs: ReturnType<typeof countingLogger>['seen'];
  /** Waits until every command is handled and every queued message delivered; returns how long that took. */
  drain(): Promise<number>;
}

async function startPimbot(databaseUrl: string, fakeOrigin: string, users: number): Promise<Pimbot> {
  const env = loadEnv({
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: `${fakeOrigin}/api`,
    PIM_DEV_MODE: 'false',
    HOST: '127.0.0.1',
    PIM_TIMEZONE: 'UTC',
    LOG_LEVEL: 'info',
    SLACK_WORK_THREAD: OPTS.workThread,
    // MFA secrets are encrypted at rest; nobody enrols in the bench, so any key does.
    PIM_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  });
  const { logger, seen } = countingLogger();
  const app = await startApp({ env, config: parsePimConfig(benchConfig(users), 'bench.pim.config.yaml'), logger, port: 0, adapters: [slackAdapter] });
  const adapter = app.adapters.find((a) => a.platform === 'slack') as SlackAdapter;
  const queue = new OutboxQueue(app.database.db);
  return {
    app,
    adapter,
    url: `${app.url}/slack/events`,
    logs: seen,
    async drain() {
      const t0 = performance.now();
      const limit = t0 + OPTS.drainLimitMs;
      for (;;) {
        await adapter.idle();
        if ((await queue.depth()) === 0) {
          await adapter.idle();
          return performance.now() - t0;
        }
        if (performance.now() > limit) throw new Error(`pimbot still had queued messages ${OPTS.drainLimitMs} ms after the phase`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

async function startBare(fakeOrigin: string): Promise<{ app: App; server: Server; url: string }> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({
    receiver,
    token: BOT_TOKEN,
    botId: 'B0PIMBOT',
    botUserId: 'U0PIMBOT',
    clientOptions: { slackApiUrl: `${fakeOrigin}/api/` },
    logLevel: LogLevel.ERROR,
  });
  app.command('/pim', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  // As pimbot's server (src/server.ts), so idle pooled connections live as long on both.
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the bare app is not listening on a TCP port');
  return { app, server, url: `http://127.0.0.1:${address.port}/slack/events` };
}

/** Counts the TCP connections a server accepts. */
function connectionCounter(server: Server): { count: number } {
  const c = { count: 0 };
  server.on('connection', () => (c.count += 1));
  return c;
}

// ---------------------------------------------------------------- phases

interface Workers {
  load: Worker;
  fake: Worker;
  fakeOrigin: string;
}

async function startWorkers(): Promise<Workers> {
  const fake = startTsWorker(new URL('./lib/fake-slack-worker.ts', import.meta.url));
  const load = startTsWorker(new URL('./lib/load-worker.ts', import.meta.url));
  cleanups.push(async () => {
    await fake.terminate();
    await load.terminate();
  });
  const [{ origin }] = await Promise.all([
    nextMessage<{ origin: string }>(fake, (m) => m.type === 'ready', 30_000, 'fake Slack'),
    nextMessage(load, (m) => m.type === 'ready', 30_000, 'load'),
  ]);
  return { load, fake, fakeOrigin: origin };
}

let phaseSeq = 0;
async function phase(w: Workers, url: string, commands: { user: string; text: string }[]): Promise<PhaseResult & { tag: string }> {
  phaseSeq += 1;
  const tag = `p${phaseSeq}`;
  const spec: PhaseSpec = {
    url,
    signingSecret: SIGNING_SECRET,
    responseOrigin: w.fakeOrigin,
    tag,
    concurrency: OPTS.concurrency,
    commands,
    requestTimeoutMs: OPTS.requestTimeoutMs,
    deadline,
    freshConnections: OPTS.freshConnections,
  };
  const done = nextMessage<{ type: string; result?: PhaseResult; error?: string }>(w.load, (m) => m.type === 'phase-done' || m.type === 'phase-failed', OPTS.timeLimitMs, 'load');
  w.load.postMessage({ type: 'phase', phase: spec });
  const m = await done;
  if (!m.result) throw new Error(`load phase failed: ${m.error}`);
  if (m.result.cutShort) throw new Error('the time limit cut a phase short');
  return { ...m.result, tag };
}

interface Collected {
  answers: [string, number, AnswerKind][];
  api: Record<string, number>;
  /** TCP connections the fake accepted (from pimbot: response URLs and Web API). */
  connections: number;
}

async function collectAnswers(w: Workers): Promise<Collected> {
  const got = nextMessage<Collected>(w.fake, (m) => m.type === 'collected', 30_000, 'fake Slack');
  w.fake.postMessage({ type: 'collect' });
  return got;
}

// ---------------------------------------------------------------- one run

interface Cell {
  ack: LatencySummary;
  requestsPerSec: number;
  statuses: Record<string, number>;
  errors: number;
}

interface RunResult {
  run: number;
  database: string;
  loadavgBefore: number[];
  loadavgAfter: number[];
  cells: Record<Target, Record<Mix | 'all', Cell>>;
  ratioP99: Record<Mix | 'all', number>;
  /** Main-thread busy time per request (ms), acking and then handling it, measured over each phase and its drain. */
  busyMsPerRequest: Record<Target, Record<Mix, number>>;
  /** pimbot's Slack work thread busy time per request (ms) over the same spans; null without one. */
  workThreadBusyMsPerRequest: Record<Mix, number> | null;
  /** TCP connections each target accepted during the measured phases (the warm-up opens the pool). */
  newConnections: Record<Target, number>;
  /** Event-loop delay of the main thread during the measured phases: the worst phase's p99, and the longest stall. */
  eventLoopDelayMs: Record<Target, { p99: number; max: number }>;
  pimbot: {
    /** Time from a command being sent to its ephemeral answer reaching the response URL. */
    answer: Record<Mix, LatencySummary & { answered: number }>;
    answerKinds: Record<Mix, Record<AnswerKind, number>>;
    /** Activation requests in the database by state (measured and warm-up together). */
    activationsInDb: Record<string, number>;
    /** After each measured pimbot phase: how long until every command was handled and message delivered. */
    drainMs: LatencySummary;
    webApiCalls: Record<string, number>;
    /** TCP connections pimbot opened to the fake Slack during the measured phases. */
    connectionsToSlack: number;
    logged: { warnings: number; errors: number; samples: string[] };
  };
  errorSamples: string[];
}

function cell(results: PhaseResult[]): Cell {
  const latencies = results.flatMap((r) => r.latencies);
  const wall = results.reduce((s, r) => s + r.wallMs, 0);
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return { ack: summarize(latencies), requestsPerSec: wall > 0 ? latencies.length / (wall / 1000) : 0, statuses, errors: results.reduce((s, r) => s + r.errors, 0) };
}

async function oneRun(run: number, w: Workers): Promise<RunResult> {
  const loadavgBefore = loadavg();
  const keep = cleanups.length;
  const db = await benchDatabase();
  cleanups.push(() => db.drop());
  log(`run ${run}: database ${db.name}${db.scratch ? ' (scratch)' : ''}`);

  // One user per activation pimbot is sent (warm-up and measured); `roles` cycles through them all.
  const users = OPTS.warmup + OPTS.requests;
  const t0 = performance.now();
  const pim = await startPimbot(db.url, w.fakeOrigin, users);
  cleanups.push(() => pim.app.close());
  log(`run ${run}: pimbot up with ${users} bench users in ${Math.round(performance.now() - t0)} ms at ${pim.url}`);
  const bare = await startBare(w.fakeOrigin);
  cleanups.push(() => bare.app.stop());
  log(`run ${run}: bare Bolt app at ${bare.url}`);

  const url: Record<Target, string> = { pimbot: pim.url, bare: bare.url };
  const accepted: Record<Target, { count: number }> = { pimbot: connectionCounter(pim.app.server), bare: connectionCounter(bare.server) };
  const newConnections: Record<Target, number> = { pimbot: 0, bare: 0 };
  const nextUser: Record<Target, Record<Mix, number>> = { pimbot: { roles: 0, activate: 0 }, bare: { roles: 0, activate: 0 } };
  const commandsFor = (target: Target, mix: Mix, n: number) =>
    Array.from({ length: n }, () => {
      const i = nextUser[target][mix]++;
      return { user: userId(i % users), text: TEXT[mix] };
    });

  const measured: Record<Target, Record<Mix, (PhaseResult & { tag: string })[]>> = { pimbot: { roles: [], activate: [] }, bare: { roles: [], activate: [] } };
  const drains: number[] = [];
  const errorSamples: string[] = [];
  // The main thread's event loop (pimbot's, and the bare app's) while each measured phase ran.
  const loopDelay: Record<Target, { p99: number; max: number }[]> = { pimbot: [], bare: [] };
  // Main-thread busy time over each measured phase and the drain after it: the CPU one request costs.
  const busyMs: Record<Target, Record<Mix, number>> = { pimbot: { roles: 0, activate: 0 }, bare: { roles: 0, activate: 0 } };
  const workThreadMs: Record<Mix, number> = { roles: 0, activate: 0 };
  const workThread = () => pim.adapter.workThread?.thread ?? null;
  let workThreadSeen = false;
  const runPhase = async (target: Target, mix: Mix, n: number, keep: boolean) => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const elu = performance.eventLoopUtilization();
    const thread = target === 'pimbot' ? workThread() : null;
    const threadElu = thread?.performance.eventLoopUtilization();
    if (thread) workThreadSeen = true;
    const connectionsBefore = accepted[target].count;
    const r = await phase(w, url[target], commandsFor(target, mix, n));
    h.disable();
    if (keep) newConnections[target] += accepted[target].count - connectionsBefore;
    if (keep) loopDelay[target].push({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 });
    if (keep && TRACE) trace.push({ run, target, mix, tag: r.tag, requests: r.sent.map(([, at], i) => [round2(at - (r.sent[0]?.[1] ?? 0)), round2(r.latencies[i] ?? NaN)]) });
    errorSamples.push(...r.errorSamples.slice(0, 5 - errorSamples.length));
    const drainMs = target === 'pimbot' ? await pim.drain() : 0;
    if (keep) {
      busyMs[target][mix] += performance.eventLoopUtilization(elu).active;
      if (thread && threadElu) workThreadMs[mix] += thread.performance.eventLoopUtilization(threadElu).active;
      measured[target][mix].push(r);
      if (target === 'pimbot') drains.push(drainMs);
    }
    return r;
  };

  // Eligibility check: the bench users must be able to activate (an empty database applies the bootstrap).
  for (const target of ['pimbot', 'bare'] as Target[]) for (const mix of MIXES) await runPhase(target, mix, OPTS.warmup, false);
  const warm = await collectAnswers(w);
  const warmActivations = warm.answers.filter(([, , k]) => k === 'activation').length;
  if (warmActivations === 0) throw new Error('no warm-up activation succeeded: does the database hold assignments already? (the bench users are made eligible by the bootstrap, which only applies to an empty database)');
  log(`run ${run}: warm-up done (${OPTS.warmup} per mix per target; ${warmActivations} activations)`);

  const perRound = Math.ceil(OPTS.requests / OPTS.rounds);
  let left: Record<Mix, number> = { roles: OPTS.requests, activate: OPTS.requests };
  for (let round = 0; round < OPTS.rounds; round++) {
    const order: Target[] = round % 2 === 0 ? ['pimbot', 'bare'] : ['bare', 'pimbot'];
    const n: Record<Mix, number> = { roles: Math.min(perRound, left.roles), activate: Math.min(perRound, left.activate) };
    for (const mix of MIXES) {
      if (n[mix] === 0) continue;
      for (const target of order) await runPhase(target, mix, n[mix], true);
    }
    left = { roles: left.roles - n.roles, activate: left.activate - n.activate };
    const last = (t: Target) => measured[t].activate.at(-1)?.latencies ?? [];
    log(`run ${run}: round ${round + 1}/${OPTS.rounds}: activate p99 pimbot ${round1(summarize(last('pimbot')).p99)} ms, bare ${round1(summarize(last('bare')).p99)} ms`);
  }

  // Answers at the response URLs, matched to when their commands were sent.
  const got = await collectAnswers(w);
  const answeredAt = new Map(got.answers.map(([id, at, kind]) => [id, { at, kind }]));
  const answer = {} as RunResult['pimbot']['answer'];
  const answerKinds = {} as RunResult['pimbot']['answerKinds'];
  for (const mix of MIXES) {
    const ms: number[] = [];
    const kinds: Record<AnswerKind, number> = { activation: 0, reply: 0, error: 0 };
    for (const r of measured.pimbot[mix]) {
      for (const [id, sentAt] of r.sent) {
        const a = answeredAt.get(id);
        if (!a) continue;
        ms.push(a.at - sentAt);
        kinds[a.kind] += 1;
      }
    }
    answer[mix] = { ...summarize(ms), answered: ms.length };
    answerKinds[mix] = kinds;
  }
  const rows = await admin(db.url, (sql) => sql<{ state: string; n: string }[]>`select state, count(*)::text as n from requests where kind = 'activate' group by state order by state`);
  const activationsInDb = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));

  const cells = {} as RunResult['cells'];
  for (const target of ['pimbot', 'bare'] as Target[]) {
    cells[target] = {
      roles: cell(measured[target].roles),
      activate: cell(measured[target].activate),
      all: cell([...measured[target].roles, ...measured[target].activate]),
    };
  }
  const ratio = (k: Mix | 'all') => cells.pimbot[k].ack.p99 / cells.bare[k].ack.p99;

  // Stop both and drop the database (this run's cleanups, newest first); the pooled connections go.
  const forgotten = nextMessage(w.load, (m) => m.type === 'forgotten', 30_000, 'load');
  w.load.postMessage({ type: 'forget' });
  await forgotten;
  await cleanUp(keep);
  return {
    run,
    database: db.scratch ? 'scratch' : 'DATABASE_URL',
    loadavgBefore,
    loadavgAfter: loadavg(),
    cells,
    ratioP99: { roles: ratio('roles'), activate: ratio('activate'), all: ratio('all') },
    newConnections,
    busyMsPerRequest: {
      pimbot: { roles: round2(busyMs.pimbot.roles / OPTS.requests), activate: round2(busyMs.pimbot.activate / OPTS.requests) },
      bare: { roles: round2(busyMs.bare.roles / OPTS.requests), activate: round2(busyMs.bare.activate / OPTS.requests) },
    },
    workThreadBusyMsPerRequest: workThreadSeen ? { roles: round2(workThreadMs.roles / OPTS.requests), activate: round2(workThreadMs.activate / OPTS.requests) } : null,
    eventLoopDelayMs: {
      pimbot: { p99: round1(Math.max(...loopDelay.pimbot.map((d) => d.p99))), max: round1(Math.max(...loopDelay.pimbot.map((d) => d.max))) },
      bare: { p99: round1(Math.max(...loopDelay.bare.map((d) => d.p99))), max: round1(Math.max(...loopDelay.bare.map((d) => d.max))) },
    },
    pimbot: {
      answer,
      answerKinds,
      activationsInDb,
      drainMs: summarize(drains),
      webApiCalls: got.api,
      connectionsToSlack: got.connections,
      logged: { warnings: pim.logs.warnings, errors: pim.logs.errors, samples: pim.logs.samples },
    },
    errorSamples,
  };
}

// ---------------------------------------------------------------- report

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

function table(r: RunResult): string {
  const head = ['target', 'mix', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'req/s', 'non-200'];
  const body: string[][] = [];
  for (const mix of [...MIXES, 'all'] as const) {
    for (const target of ['pimbot', 'bare'] as Target[]) {
      const c = r.cells[target][mix];
      const bad = Object.entries(c.statuses).filter(([k]) => k !== '200').reduce((s, [, v]) => s + v, 0) + c.errors;
      body.push([target, mix, String(c.ack.count), ms(c.ack.p50), ms(c.ack.p90), ms(c.ack.p99), ms(c.ack.max), c.requestsPerSec.toFixed(0), String(bad)]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}

function describe(r: RunResult): string {
  const p = r.pimbot;
  return [
    table(r),
    `p99 ratio pimbot/bare: roles ${r.ratioP99.roles.toFixed(2)}x, activate ${r.ratioP99.activate.toFixed(2)}x, all ${r.ratioP99.all.toFixed(2)}x`,
    `pimbot answers at the response URL (send -> answer): roles p50 ${ms(p.answer.roles.p50)} / p99 ${ms(p.answer.roles.p99)} ms (${p.answer.roles.answered} answered); activate p50 ${ms(p.answer.activate.p50)} / p99 ${ms(p.answer.activate.p99)} ms (${p.answer.activate.answered} answered)`,
    `activate answers: ${p.answerKinds.activate.activation} activations, ${p.answerKinds.activate.error} refusals, ${p.answerKinds.activate.reply} other; activation requests in the database by state: ${JSON.stringify(p.activationsInDb)}`,
    `drain after each pimbot phase: p50 ${ms(p.drainMs.p50)} ms, max ${ms(p.drainMs.max)} ms; Web API calls: ${JSON.stringify(p.webApiCalls)}; connections to Slack: ${p.connectionsToSlack}; logged warnings ${p.logged.warnings}, errors ${p.logged.errors}`,
    OPTS.freshConnections
      ? `connections opened during the measured phases: pimbot ${r.newConnections.pimbot}, bare ${r.newConnections.bare} (--fresh-connections: ${OPTS.concurrency} new ones at the start of every phase)`
      : `connections opened during the measured phases: pimbot ${r.newConnections.pimbot}, bare ${r.newConnections.bare} (the warm-up opens the ${OPTS.concurrency} pooled keep-alive connections)`,
    `main-thread busy time per request (ack and all the work after it): pimbot roles ${r.busyMsPerRequest.pimbot.roles} ms, activate ${r.busyMsPerRequest.pimbot.activate} ms; bare ${r.busyMsPerRequest.bare.roles} ms`,
    r.workThreadBusyMsPerRequest
      ? `pimbot's Slack work thread busy time per request (the work after the ack): roles ${r.workThreadBusyMsPerRequest.roles} ms, activate ${r.workThreadBusyMsPerRequest.activate} ms`
      : 'pimbot ran without a Slack work thread (all work on the main thread)',
    `main-thread event-loop delay (worst phase p99 / longest stall): pimbot ${ms(r.eventLoopDelayMs.pimbot.p99)} / ${ms(r.eventLoopDelayMs.pimbot.max)} ms, bare ${ms(r.eventLoopDelayMs.bare.p99)} / ${ms(r.eventLoopDelayMs.bare.max)} ms`,
    `load average before ${r.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}, after ${r.loadavgAfter.map((x) => x.toFixed(2)).join(' ')}`,
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const pgVersion = await admin(process.env.DATABASE_URL ?? ADMIN_URL, async (sql) => (await sql<{ v: string }[]>`select current_setting('server_version') as v`)[0]?.v ?? '?');
  const machine = {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? '?',
    node: process.version,
    postgres: pgVersion,
    platform: `${process.platform} ${process.arch}`,
  };
  log(`machine: ${machine.nproc} cpus (${machine.cpu}), Node ${machine.node}, PostgreSQL ${machine.postgres}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  log(`options: ${JSON.stringify({ ...OPTS })}`);

  const w = await startWorkers();
  const runs: RunResult[] = [];
  for (let run = 1; run <= OPTS.runs; run++) {
    const r = await oneRun(run, w);
    runs.push(r);
    console.log(`\nrun ${run} of ${OPTS.runs}\n${describe(r)}\n`);
  }

  // The median run by pimbot's overall p99; the spread over all runs.
  const byP99 = [...runs].sort((a, b) => a.cells.pimbot.all.ack.p99 - b.cells.pimbot.all.ack.p99);
  const medianRun = byP99[Math.floor((byP99.length - 1) / 2)] as RunResult;
  const spread = (f: (r: RunResult) => number) => ({ min: round2(Math.min(...runs.map(f))), median: round2(median(runs.map(f))), max: round2(Math.max(...runs.map(f))) });
  const summary = {
    medianRun: medianRun.run,
    pimbotP50: spread((r) => r.cells.pimbot.all.ack.p50),
    pimbotP99: spread((r) => r.cells.pimbot.all.ack.p99),
    bareP50: spread((r) => r.cells.bare.all.ack.p50),
    bareP99: spread((r) => r.cells.bare.all.ack.p99),
    ratioP99: spread((r) => r.ratioP99.all),
    pimbotRequestsPerSec: spread((r) => r.cells.pimbot.all.requestsPerSec),
    bareRequestsPerSec: spread((r) => r.cells.bare.all.requestsPerSec),
  };
  const m = medianRun.cells;
  const meets = m.pimbot.all.ack.p99 < GOAL.p99Ms && medianRun.ratioP99.all <= GOAL.ratio;
  const verdict = `goal (p99 < ${GOAL.p99Ms} ms and within ${GOAL.ratio}x of bare): ${meets ? 'MET' : 'MISSED'} — median run ${medianRun.run}: pimbot p99 ${ms(m.pimbot.all.ack.p99)} ms, bare p99 ${ms(m.bare.all.ack.p99)} ms, ratio ${medianRun.ratioP99.all.toFixed(2)}x`;
  if (runs.length > 1) {
    console.log(
      `over ${runs.length} runs: pimbot p99 ${summary.pimbotP99.min}-${summary.pimbotP99.max} ms (median ${summary.pimbotP99.median}), bare p99 ${summary.bareP99.min}-${summary.bareP99.max} ms, ratio ${summary.ratioP99.min}-${summary.ratioP99.max}x`,
    );
  }
  console.log(verdict);

  const rounded = (s: LatencySummary) => ({ count: s.count, p50: round2(s.p50), p90: round2(s.p90), p99: round2(s.p99), max: round2(s.max), mean: round2(s.mean) });
  const json = {
    benchmark: 'slack-ack',
    date: new Date().toISOString(),
    command: 'npx tsx bench/slack-ack.ts ' + process.argv.slice(2).join(' '),
    machine,
    options: { ...OPTS, mixes: Object.fromEntries(MIXES.map((x) => [x, `/pim ${TEXT[x]}`])) },
    goal: { ...GOAL, met: meets },
    summary,
    runs: runs.map((r) => ({
      ...r,
      cells: Object.fromEntries(
        Object.entries(r.cells).map(([t, byMix]) => [t, Object.fromEntries(Object.entries(byMix).map(([k, c]) => [k, { ...c, ack: rounded(c.ack), requestsPerSec: round1(c.requestsPerSec) }]))]),
      ),
      ratioP99: { roles: round2(r.ratioP99.roles), activate: round2(r.ratioP99.activate), all: round2(r.ratioP99.all) },
      pimbot: {
        ...r.pimbot,
        answer: Object.fromEntries(Object.entries(r.pimbot.answer).map(([k, a]) => [k, { ...rounded(a), answered: a.answered }])),
        drainMs: rounded(r.pimbot.drainMs),
      },
    })),
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
  log(`results written to ${OUT}`);
  if (TRACE) {
    writeFileSync(TRACE, JSON.stringify(trace));
    log(`trace written to ${TRACE}`);
  }
}

let code = 0;
try {
  await main();
} catch (err) {
  code = 1;
  console.error(err);
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
process.exit(code);
