/**
 * Proactive pacing shared by every replica: a GCRA (generic cell rate algorithm) limiter over the
 * `rate_limits` table (src/db/system.sql.ts). Each limited key holds one number, its theoretical
 * arrival time (TAT): the instant its bucket is empty again. A send at `t` conforms when
 * `t >= tat - tolerance`, where `tolerance = (burst - 1) * interval`, and moves the TAT to
 * `max(tat, t) + interval`. So an idle key lets `burst` sends through at once, then one per
 * `interval`.
 *
 * Slots are reserved ahead: a caller is told how long to wait, and its slot is already counted,
 * so callers in any number of processes queue up behind each other on the same row instead of
 * racing. One acquire is one statement: it locks the keys' rows in key order, computes the
 * earliest instant every key allows, and, unless that is further away than the cap, reserves
 * that same instant on every key (all of them or none, so a key that refuses never leaves a slot
 * taken on another, and no key counts a slot at a time the send does not happen).
 *
 * A TAT only moves forward, so a slot reserved ahead on a key leaves the time before it unused
 * on that key. Keys taken together should therefore share one scope (one channel's limits); a
 * narrow key and a broad one (a channel and the workspace) are taken one after the other, the
 * narrow one first (see adapters/shared/pace.ts), or a backlogged channel would hold the whole
 * workspace to its pace.
 *
 * Time is the caller's clock (`now`), never the database's: the bot can run on a moved clock in
 * dev mode, and the waits it is told must be on its own clock.
 */
import { lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { rowsOf } from './rows.js';
import { rateLimits } from './system.sql.js';

/** One limit to pace against: at most `burst` at once, then one every `intervalMs`. */
export interface RateLimit {
  key: string;
  intervalMs: number;
  burst: number;
  /** The longest this limit lets a caller wait for its turn (default and ceiling: the limiter's `maxWaitMs`). */
  maxWaitMs?: number;
}

/** What an acquire decided. */
export interface PaceDecision {
  /** How long to wait before sending (0: now), or, when not reserved, before asking again. */
  waitMs: number;
  /** False when the wait is beyond the cap: nothing was reserved. */
  reserved: boolean;
}

export interface PgRateLimiterOptions {
  /** The longest wait a slot is reserved for (default 5 s); beyond it nothing is reserved. A limit can ask for less. */
  maxWaitMs?: number;
}

export const DEFAULT_MAX_PACE_WAIT_MS = 5_000;

/**
 * A TAT this far beyond the furthest any reservation on our clock can reach (no caller is given
 * more than the limiter's own `maxWaitMs`) was written by a clock ahead of ours (dev-mode time
 * travel, then a restart on the real clock): it is forgotten rather than obeyed, or the key would
 * stay shut until real time caught up. The margin keeps ordinary clock skew between replicas
 * well clear of it.
 */
const FOREIGN_CLOCK_MARGIN_MS = 60_000;

export class PgRateLimiter {
  private readonly maxWaitMs: number;
  /** Keys this process has made sure have a row (see `seed`). */
  private readonly seeded = new Set<string>();

  constructor(
    private readonly db: Db,
    options: PgRateLimiterOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_PACE_WAIT_MS;
  }

  /**
   * Reserves one send on every key at the earliest instant all of them allow, if that is no
   * further after `now` than the cap (the smallest `maxWaitMs` of the limiter and the limits), and
   * says how long to wait for it. Further away, nothing is reserved and `waitMs` says when the
   * slot would have been.
   */
  async acquire(limits: readonly RateLimit[], now: Date): Promise<PaceDecision> {
    const keys = distinctKeys(limits);
    if (keys.length === 0) return { waitMs: 0, reserved: true };
    await this.seed(keys);
    const t = now.getTime();
    const capMs = Math.max(0, Math.round(Math.min(this.maxWaitMs, ...keys.map((k) => k.maxWaitMs ?? this.maxWaitMs))));
    const rows = keys.map((l) => {
      const intervalMs = Math.max(1, Math.round(l.intervalMs));
      const toleranceMs = (Math.max(1, Math.floor(l.burst)) - 1) * intervalMs;
      const horizonMs = t + toleranceMs + intervalMs + this.maxWaitMs + FOREIGN_CLOCK_MARGIN_MS;
      return sql`(${l.key}::text, ${intervalMs}::bigint, ${toleranceMs}::bigint, ${horizonMs}::bigint)`;
    });
    const result = await this.db.execute(acquireStatement(sql.join(rows, sql`, `), t, capMs));
    const [row] = rowsOf<{ at_ms: string | number; reserved: string | number; found: string | number }>(result);
    // A row gone since it was seeded (deleted by hand): seed again next time.
    if (Number(row?.found ?? 0) < keys.length) for (const k of keys) this.seeded.delete(k.key);
    const waitMs = Math.max(0, Number(row?.at_ms ?? t) - t);
    return { waitMs, reserved: Number(row?.reserved ?? 0) > 0 };
  }

  /**
   * Forgets keys idle since before `before`: a key whose TAT is that far in the past has its whole
   * burst back, as a missing row has, so deleting it changes no decision. Keeps the table to the
   * channels and conversations written to recently (every DM is a key). A process that seeded a
   * pruned key notices at its next acquire and seeds it again.
   */
  async prune(before: Date): Promise<number> {
    const rows = await this.db.delete(rateLimits).where(lt(rateLimits.tatMs, before.getTime())).returning({ key: rateLimits.key });
    return rows.length;
  }

  /**
   * Makes sure every key has a row before the acquire locks them: a key first used by two
   * acquires at once would otherwise be missing from both acquires' locked rows, and both would
   * be told to go at once. A TAT of 0 is an idle key. Once per key per process (rows stay).
   */
  private async seed(keys: readonly RateLimit[]): Promise<void> {
    const fresh = keys.filter((k) => !this.seeded.has(k.key));
    if (fresh.length === 0) return;
    await this.db
      .insert(rateLimits)
      .values(fresh.map((k) => ({ key: k.key, tatMs: 0 })))
      .onConflictDoNothing({ target: rateLimits.key });
    for (const k of fresh) this.seeded.add(k.key);
  }
}

/**
 * The one statement of an acquire. `locked` takes the keys' rows in key order (so two acquires
 * of overlapping keys never deadlock) and, under READ COMMITTED, sees their latest TATs; `plan`
 * is the earliest instant every key allows; `reserved` moves every key's TAT past that instant,
 * or nothing when it is too far. The rows are seeded before, so the insert in `reserved` only
 * ever updates; should a row have gone, it inserts it, and an acquire racing it counts both
 * slots (`r.tat_ms + interval`).
 */
function acquireStatement(values: SQL, nowMs: number, maxWaitMs: number): SQL {
  return sql`
    with input(key, interval_ms, tolerance_ms, horizon_ms) as (values ${values}),
    locked as (
      select r.key, r.tat_ms from rate_limits r
      where r.key in (select key from input)
      order by r.key
      for update
    ),
    state as (
      select i.key, i.interval_ms, i.tolerance_ms, i.horizon_ms,
             case when l.tat_ms > i.horizon_ms then null else l.tat_ms end as tat_ms
      from input i left join locked l on l.key = i.key
    ),
    plan as (
      select greatest(${nowMs}::bigint, max(tat_ms - tolerance_ms)) as at_ms from state
    ),
    reserved as (
      insert into rate_limits as r (key, tat_ms)
      select s.key, greatest(s.tat_ms, p.at_ms) + s.interval_ms
      from state s cross join plan p
      where p.at_ms - ${nowMs}::bigint <= ${maxWaitMs}::bigint
      order by s.key
      on conflict (key) do update set tat_ms = (
        select case when r.tat_ms > s.horizon_ms then excluded.tat_ms
                    else greatest(excluded.tat_ms, r.tat_ms + s.interval_ms) end
        from state s where s.key = excluded.key
      )
      returning r.key
    )
    select (select at_ms from plan) as at_ms, (select count(*) from reserved) as reserved, (select count(*) from locked) as found`;
}

/** Each key once (a row cannot be updated twice by one statement); the first limit given for it wins. */
function distinctKeys(limits: readonly RateLimit[]): RateLimit[] {
  const seen = new Map<string, RateLimit>();
  for (const l of limits) if (!seen.has(l.key)) seen.set(l.key, l);
  return [...seen.values()];
}
