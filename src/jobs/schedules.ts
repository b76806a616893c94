/**
 * Cron schedules (node-cron): singleton jobs such as the weekly digest. Every replica runs the
 * same schedules; each job is a thin call into the core, which takes a PostgreSQL advisory lock in
 * the job's transaction (the `JobLock` port) and dedupes by period, so a job runs once per
 * schedule however many replicas fire it at the same instant.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { AuditHeadOutcome, DigestOutcome } from '../core/index.js';
import type { DispatcherLogger } from './dispatcher.js';

/** A job run on a cron schedule. */
export interface ScheduledJob {
  name: string;
  /** Five- or six-field cron expression, read in the schedules' time zone. */
  cron: string;
  /** Does the work; what it returns is logged. Throwing is logged as a failed run. */
  run(): Promise<unknown>;
}

export interface SchedulesOptions {
  jobs: ScheduledJob[];
  /** IANA zone the cron expressions are read in (`PIM_TIMEZONE`). */
  timezone: string;
  logger: DispatcherLogger;
  /** Called after every run (metrics, tests). */
  onRun?: (name: string, outcome: 'ok' | 'failed', result: unknown) => void;
}

export class Schedules {
  private tasks: ScheduledTask[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly o: SchedulesOptions) {
    for (const job of o.jobs) {
      if (!cron.validate(job.cron)) throw new Error(`schedule ${job.name}: invalid cron expression "${job.cron}"`);
    }
  }

  /** Starts every job's schedule. */
  start(): void {
    if (this.tasks.length > 0) return;
    this.tasks = this.o.jobs.map((job) =>
      cron.schedule(job.cron, () => this.runNow(job.name), { name: `pimbot:${job.name}`, timezone: this.o.timezone, noOverlap: true }),
    );
  }

  /** Stops the schedules and waits for runs in flight. */
  async stop(): Promise<void> {
    const tasks = this.tasks;
    this.tasks = [];
    for (const t of tasks) await t.destroy();
    await Promise.allSettled([...this.inFlight]);
  }

  /** When each job runs next (null when not started). */
  nextRuns(): Record<string, Date | null> {
    return Object.fromEntries(this.o.jobs.map((job, k) => [job.name, this.tasks[k]?.getNextRun() ?? null]));
  }

  /** Runs a job now, as its schedule would; never throws (a failed run is logged). */
  async runNow(name: string): Promise<unknown> {
    const job = this.o.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no scheduled job ${name}`);
    const run = job.run().then(
      (result) => {
        this.o.logger.info({ job: name, result }, 'scheduled job ran');
        this.o.onRun?.(name, 'ok', result);
        return result;
      },
      (err: unknown) => {
        this.o.logger.error({ job: name, err }, 'scheduled job failed');
        this.o.onRun?.(name, 'failed', err);
        return undefined;
      },
    );
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }
}

/** The weekly digest: to admins by DM and to the security channel, once per ISO week. */
export function digestJob(work: { sendDigest(opts: { timeZone: string }): Promise<DigestOutcome> }, options: { cron: string; timeZone: string }): ScheduledJob {
  return {
    name: 'digest',
    cron: options.cron,
    async run() {
      const res = await work.sendDigest({ timeZone: options.timeZone });
      return { outcome: res.outcome, week: res.week };
    },
  };
}

/** How long a Slack retry or a double click can still arrive after the first delivery. */
export const DEDUPE_KEEP_MS = 24 * 60 * 60_000;

/**
 * Housekeeping, every hour at minute 17: forgets dedupe keys older than `keepMs` (Slack retries
 * within minutes; a day is far past any retry or double click) and, given the pacer's limiter,
 * rate-limit keys idle as long (each DM is a key, so the table would otherwise keep every person
 * ever written to). Deleting by age is idempotent, so replicas running it at the same instant
 * need no lock.
 */
export function housekeepingJob(
  dedupe: { prune(before: Date): Promise<number> },
  clock: { now(): Date },
  keepMs = DEDUPE_KEEP_MS,
  rateLimits?: { prune(before: Date): Promise<number> },
): ScheduledJob {
  return {
    name: 'housekeeping',
    cron: '17 * * * *',
    async run() {
      const before = new Date(clock.now().getTime() - keepMs);
      const prunedDedupeKeys = await dedupe.prune(before);
      if (!rateLimits) return { prunedDedupeKeys };
      return { prunedDedupeKeys, prunedRateLimits: await rateLimits.prune(before) };
    },
  };
}

/**
 * Audit retention, daily at 03:47: deletes audit rows older than `retentionMs`, leaving a
 * checkpoint and an `audit.pruned` row so the chain still verifies (src/db/audit-retention.ts).
 * The prune holds the chain's lock, so replicas running it at once prune once.
 */
export function auditRetentionJob(prune: () => Promise<{ pruned: number }>): ScheduledJob {
  return {
    name: 'audit-retention',
    cron: '47 3 * * *',
    async run() {
      const { pruned } = await prune();
      return { prunedAuditRows: pruned };
    },
  };
}

/** Every 15 minutes unless `schedules.alertScan` says otherwise. */
export const DEFAULT_ALERT_SCAN_CRON = '*/15 * * * *';

/**
 * The security alert scan (src/core/alerts): raises what is new, resolves what cleared. One
 * replica scans at a time (the scan's job lock); a replica that finds it taken skips the run.
 */
export function alertScanJob(scan: () => Promise<{ outcome: string; raised: string[]; resolved: string[]; open: number }>, cron = DEFAULT_ALERT_SCAN_CRON): ScheduledJob {
  return {
    name: 'alert-scan',
    cron,
    async run() {
      const r = await scan();
      return { outcome: r.outcome, raised: r.raised.length, resolved: r.resolved.length, open: r.open };
    },
  };
}

/**
 * The head of the audit chain, daily at 00:07 in the schedules' time zone: its sequence and hash to
 * the security channel, once per day across replicas (the core's job lock and audit row, as the digest).
 */
export function auditHeadJob(work: { postAuditHead(opts: { timeZone: string }): Promise<AuditHeadOutcome> }, options: { timeZone: string; cron?: string }): ScheduledJob {
  return {
    name: 'audit-head',
    cron: options.cron ?? '7 0 * * *',
    async run() {
      return work.postAuditHead({ timeZone: options.timeZone });
    },
  };
}
