/**
 * The real bot for a benchmark, and what a bounded benchmark needs around it: a scratch
 * PostgreSQL database created and dropped, a logger that logs as in production into a sink that
 * only counts, `startApp` with the Slack adapter pointed at a fake Slack, a wait until the bot has
 * finished its work, and cleanups that run on success, failure, a signal or the time limit.
 * (bench/slack-ack.ts has the same pieces inline; bench/expiry, alerts, review and slack-drain take
 * their scratch database from here.)
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import postgres from 'postgres';
import { slackAdapter, type SlackAdapter } from '../../adapters/slack/index.js';
import { startApp, type AppHandle } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import { parsePimConfig } from '../../src/config/pim-config.js';
import { OutboxQueue } from '../../src/db/outbox-queue.js';

/** Runs `f` on one short-lived connection to `url`. */
export async function withSql<T>(url: string, f: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    return await f(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface ScratchDatabase {
  url: string;
  name: string;
  /** Drops it (with force: connections still open are ended); once. */
  drop(): Promise<void>;
}

/** A new empty database `<prefix>_<random>` on the server of `serverUrl`. */
export async function scratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withSql(serverUrl, (sql) => sql.unsafe(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withSql(serverUrl, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
    },
  };
}

export interface LogCounts {
  warnings: number;
  errors: number;
  samples: string[];
}

/** Logs as in production (info, JSON), into a sink that keeps only a count and a few warnings and errors. */
export function countingLogger() {
  const seen: LogCounts = { warnings: 0, errors: 0, samples: [] };
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

export interface BenchPimbot {
  app: AppHandle;
  adapter: SlackAdapter;
  /** `http://127.0.0.1:<port>/slack/events` */
  url: string;
  logs: LogCounts;
  /** Waits until every Slack request is handled and every queued outbox row delivered; returns how long that took. */
  drain(limitMs: number): Promise<number>;
}

export interface BenchPimbotOptions {
  databaseUrl: string;
  /** The fake Slack's origin: the Web API is `<origin>/api`. */
  slackOrigin: string;
  /** The pim config, as YAML. */
  config: string;
  signingSecret: string;
  botToken: string;
  /** SLACK_WORK_THREAD (default auto: on, with PostgreSQL). */
  workThread?: string;
}

/** `startApp` with the Slack adapter (HTTP mode, port 0) on `databaseUrl`, as in production but for the fake Slack. */
export async function startBenchPimbot(o: BenchPimbotOptions): Promise<BenchPimbot> {
  const env = loadEnv({
    DATABASE_URL: o.databaseUrl,
    SLACK_BOT_TOKEN: o.botToken,
    SLACK_SIGNING_SECRET: o.signingSecret,
    SLACK_API_URL: `${o.slackOrigin}/api`,
    PIM_DEV_MODE: 'false',
    HOST: '127.0.0.1',
    PIM_TIMEZONE: 'UTC',
    LOG_LEVEL: 'info',
    SLACK_WORK_THREAD: o.workThread ?? 'auto',
    // MFA secrets are encrypted at rest; nobody enrols in the bench, so any key does.
    PIM_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  });
  const { logger, seen } = countingLogger();
  const app = await startApp({ env, config: parsePimConfig(o.config, 'bench.pim.config.yaml'), logger, port: 0, adapters: [slackAdapter] });
  const adapter = app.adapters.find((a) => a.platform === 'slack') as SlackAdapter;
  const queue = new OutboxQueue(app.database.db);
  return {
    app,
    adapter,
    url: `${app.url}/slack/events`,
    logs: seen,
    async drain(limitMs) {
      const t0 = performance.now();
      for (;;) {
        await adapter.idle();
        if ((await queue.depth()) === 0) {
          await adapter.idle();
          return performance.now() - t0;
        }
        if (performance.now() - t0 > limitMs) throw new Error(`pimbot still had queued messages ${limitMs} ms after the phase`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/**
 * Cleanups, newest first, each given at most 15 s. `guard` runs them all and exits when the time
 * limit is reached, on SIGINT/SIGTERM or on an uncaught error; `run(keep)` runs those added after
 * the first `keep`.
 */
export class Cleanups {
  private readonly fs: (() => Promise<unknown>)[] = [];
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly log: (msg: string) => void) {}

  get length(): number {
    return this.fs.length;
  }

  push(f: () => Promise<unknown>): void {
    this.fs.push(f);
  }

  async run(keep = 0): Promise<void> {
    while (this.fs.length > keep) {
      const f = this.fs.pop() as () => Promise<unknown>;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        f().catch((err: unknown) => this.log(`cleanup: ${String(err)}`)),
        new Promise((r) => (timer = setTimeout(r, 15_000))),
      ]);
      clearTimeout(timer);
    }
  }

  guard(timeLimitMs: number): void {
    this.watchdog = setTimeout(() => {
      this.log(`time limit of ${timeLimitMs / 1000} s reached: cleaning up and stopping`);
      void this.run().finally(() => process.exit(3));
    }, timeLimitMs);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        this.log(`${sig}: cleaning up`);
        void this.run().finally(() => process.exit(130));
      });
    }
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      process.once(event, (err: unknown) => {
        this.log(`${event}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}; cleaning up`);
        void this.run().finally(() => process.exit(1));
      });
    }
  }

  /** Runs every cleanup and stops the watchdog. */
  async end(): Promise<void> {
    await this.run();
    if (this.watchdog) clearTimeout(this.watchdog);
  }
}
