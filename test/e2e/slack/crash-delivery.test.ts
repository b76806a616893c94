/**
 * Delivery survives `kill -9` of a replica (README, Guarantees). Two real bot processes (replicas
 * A and B, test/support/child-bot.ts) on one PostgreSQL database and one FakeSlack whose
 * chat.postMessage answers slowly. 1,000 activations of 1,000 holders end at the same instant;
 * each end queues one DM. Once A is posting DMs, it is killed with SIGKILL. B must take over A's
 * unfinished rows at once (A's node lock is gone): every holder is told within 10 s of the kill,
 * and at most the messages A had in flight (its dispatcher concurrency, 8) are sent twice. A
 * restarted A comes up cleanly and sends nothing more.
 *
 * Each replica has its own bot token, so the fake tells their calls apart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/db/rows.js';
import { CHILD_BOT_TOKEN, ChildBot, killAllChildBots } from '../../support/child-bot.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, type TestDatabase } from '../../support/db.js';
import { eventually, FakeSlack, monotonicNow, type SlackCall } from '../../support/fake-slack.js';

const HOLDERS = 1_000;
/** The dispatcher's deliveries in flight at once (src/jobs/dispatcher.ts, `concurrency`). */
const CONCURRENCY = 8;
/** Delivered rows a dispatcher lets go unmarked before a worker waits for the marks (its default, src/jobs/dispatcher.ts). */
const UNSETTLED_LIMIT = 32;
/** How slowly the fake answers chat.postMessage, so that deliveries are in flight at the kill. */
const POST_LATENCY_MS = 25;
/** How long after A's first DM it is killed. */
const KILL_AFTER_MS = 250;
const TOLD_WITHIN_MS = 10_000;

const holder = (i: number) => `holder${String(i).padStart(4, '0')}@example.com`;
const slackId = (i: number) => `U0H${String(i).padStart(4, '0')}`;

const CONFIG = `
directory:
  users:
    - { id: admin@example.com, name: Admin, slack: U0ADMIN }
${Array.from({ length: HOLDERS }, (_, i) => `    - { id: ${holder(i)}, name: Holder ${i}, slack: ${slackId(i)} }`).join('\n')}
admins: [admin@example.com]
# This test is about taking over a dead replica's rows, not about Slack's rates: the fake Web API
# has none, and paced at Slack's 300 DMs a minute 1,000 holders would take over 3 minutes.
delivery: { pacing: false }
roles:
  - name: Reader
    scopes: [/]
    policy: { maxActivation: 8h, requireJustification: false }
`;

const TOKEN_A = `${CHILD_BOT_TOKEN}-replica-a`;
const TOKEN_B = `${CHILD_BOT_TOKEN}-replica-b`;

noteSkippedWithoutPostgres('delivery across a SIGKILL of one of two replicas');

let database: TestDatabase;
let fake: FakeSlack;

const count = async (query: ReturnType<typeof sql>): Promise<number> => rowsOf<{ n: number }>(await database.db.execute(query))[0]?.n ?? -1;

/** 1,000 active activations (request + assignment), all ending at `endsAt`, their warnings already sent. */
async function seed(endsAt: Date): Promise<void> {
  const start = new Date(endsAt.getTime() - 3_600_000);
  const iso = (d: Date) => d.toISOString();
  const ids = Array.from({ length: HOLDERS }, (_, i) => i);
  const requests = ids.map((i) => sql`(${`R-CRASH${i}`}, 'activate', ${holder(i)}, 'Reader', '/', 3600000, 'active', ${iso(start)}, ${`a-crash-${i}`}, ${iso(start)})`);
  const assignments = ids.map(
    (i) => sql`(${`a-crash-${i}`}, ${holder(i)}, 'Reader', '/', 'active', ${iso(start)}, ${iso(endsAt)}, ${`R-CRASH${i}`}, ${holder(i)}, ${iso(start)}, ${iso(new Date(endsAt.getTime() - 600_000))})`,
  );
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`insert into requests (id, kind, principal_id, role, scope, duration_ms, state, created_at, assignment_id, updated_at) values ${sql.join(requests, sql`, `)}`);
    await tx.execute(
      sql`insert into assignments (id, principal_id, role, scope, type, starts_at, ends_at, request_id, created_by, created_at, warned_at) values ${sql.join(assignments, sql`, `)}`,
    );
  });
}

describe.runIf(onPostgres)('delivery across kill -9 of a replica', () => {
  beforeAll(async () => {
    database = await testDatabase();
    fake = await FakeSlack.start();
  });
  afterEach(killAllChildBots);
  afterAll(async () => {
    await killAllChildBots();
    await fake?.close();
    await database?.close();
  });

  it('delivers every DM once (at most the in-flight ones twice) within 10 s of a SIGKILL, and a restart sends nothing more', async () => {
    const url = database.url as string;
    const [a, b] = await Promise.all([
      ChildBot.start({ name: 'replica A', databaseUrl: url, config: CONFIG, fake, botToken: TOKEN_A }),
      ChildBot.start({ name: 'replica B', databaseUrl: url, config: CONFIG, fake, botToken: TOKEN_B }),
    ]);
    const byA = (c: SlackCall) => c.auth === `Bearer ${TOKEN_A}`;
    const byB = (c: SlackCall) => c.auth === `Bearer ${TOKEN_B}`;
    const posts = () => fake.callsMade('chat.postMessage');
    const failure = () => `\n${a.describe(30)}\n${b.describe(30)}`;

    fake.latency('chat.postMessage', POST_LATENCY_MS);
    const endsAt = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000); // a whole second, 1.5-2.5 s ahead
    await seed(endsAt);
    // Rows written behind the bots' backs: wake their deadline loops the way a commit in another replica would.
    await database.db.execute(sql`select pg_notify('pim_outbox', '')`);

    await eventually(() => posts().some(byA), 'replica A to post its first DM', { timeoutMs: 20_000, intervalMs: 2 }).catch((err: Error) => {
      throw new Error(`${err.message}${failure()}`);
    });
    const firstPostAt = Math.min(...posts().map((c) => c.at));
    await sleep(Math.max(0, firstPostAt + KILL_AFTER_MS - monotonicNow()));
    const unansweredAtKill = posts().filter((c) => byA(c) && !c.ok).length;
    const sentByAAtKill = posts().filter(byA).length;
    const killAt = monotonicNow();
    const killed = await a.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    // Every holder told, by B taking over A's rows.
    const toldOnce = () => new Set(fake.callsTo('chat.postMessage').map((c) => String(c.args.channel))).size;
    await eventually(() => toldOnce() >= HOLDERS, 'every holder to be told', { timeoutMs: TOLD_WITHIN_MS + 10_000, intervalMs: 10 }).catch((err: Error) => {
      throw new Error(`${err.message}: ${toldOnce()} of ${HOLDERS}${failure()}`);
    });
    await eventually(async () => posts().every((c) => c.ok) && (await count(sql`select count(*)::int as n from outbox where delivered_at is null and dead_at is null`)) === 0, 'the outbox to drain', {
      timeoutMs: 10_000,
      intervalMs: 20,
    });

    // ---- the database: each assignment expired once, each DM row delivered once.
    expect(await count(sql`select count(*)::int as n from assignments where ended_at is not null and end_reason = 'expired'`)).toBe(HOLDERS);
    expect(await count(sql`select count(*)::int as n from requests where state = 'expired'`)).toBe(HOLDERS);
    const audited = rowsOf<{ subject: string; n: number }>(
      await database.db.execute(sql`select subject, count(*)::int as n from audit_events where action = 'activation.expired' group by subject`),
    );
    expect(audited).toHaveLength(HOLDERS);
    expect(audited.filter((r) => r.n !== 1)).toEqual([]);
    // One DM per holder, and the update of each holder's own message about the request (one conversation per request).
    expect(await count(sql`select count(*)::int as n from outbox where dedupe_key like 'msg:%'`)).toBe(HOLDERS);
    expect(await count(sql`select count(*)::int as n from outbox where dedupe_key not like 'msg:%' and dedupe_key not like 'update:pending:%'`)).toBe(0);
    expect(await count(sql`select count(distinct dedupe_key)::int as n from outbox where dedupe_key like 'msg:ended:a-crash-%:slack' and delivered_at is not null and dead_at is null`)).toBe(HOLDERS);
    const retaken = await count(sql`select count(*)::int as n from outbox where attempts > 1`);

    // ---- Slack: every holder told at least once, at most the in-flight ones twice, all within 10 s.
    const all = posts();
    const perHolder = new Map<string, SlackCall[]>();
    for (const c of all) perHolder.set(String(c.args.channel), [...(perHolder.get(String(c.args.channel)) ?? []), c]);
    const expected = Array.from({ length: HOLDERS }, (_, i) => slackId(i));
    expect([...perHolder.keys()].sort()).toEqual(expected.sort());
    const twice = [...perHolder.values()].filter((cs) => cs.length === 2).length;
    const more = [...perHolder.values()].filter((cs) => cs.length > 2).length;
    const lastToldAfterKillMs = Math.max(...[...perHolder.values()].map((cs) => Math.min(...cs.map((c) => c.at)))) - killAt;
    const figures = {
      told: perHolder.size,
      postsByA: all.filter(byA).length,
      postsByAAtKill: sentByAAtKill,
      unansweredAtKill,
      postsByB: all.filter(byB).length,
      toldTwice: twice,
      toldMoreThanTwice: more,
      rowsRetaken: retaken,
      killAfterFirstPostMs: killAt - firstPostAt,
      lastToldAfterKillMs,
      deadlinesBy: [a, b].filter((r) => r.logs().some((l) => l.msg === 'deadlines processed')).map((r) => r.name),
    };
    console.info(`[crash-delivery] ${JSON.stringify(figures)}`);
    expect(all.every((c) => c.ok)).toBe(true);
    expect(more).toBe(0);
    // The README's bound: the deliveries in flight plus the delivered rows not yet marked. On a quiet
    // machine it is about the in-flight ones (6-8); under load the marks lag and more are repeated.
    expect(twice).toBeLessThanOrEqual(CONCURRENCY + UNSETTLED_LIMIT);
    expect(lastToldAfterKillMs).toBeLessThanOrEqual(TOLD_WITHIN_MS);
    // A really was cut off mid-burst: B delivered part of the work.
    expect(figures.postsByB).toBeGreaterThan(0);
    expect(sentByAAtKill).toBeLessThan(HOLDERS);
    expect(b.logsAtLeast(50), 'replica B logged errors').toEqual([]);

    // ---- A again: it comes up cleanly and sends nothing more.
    const before = posts().length;
    const again = await a.restart();
    await sleep(3_000); // past its start-up deadline pass and a 2 s dispatcher poll
    expect(posts().length).toBe(before);
    expect(await count(sql`select count(*)::int as n from outbox where delivered_at is null`)).toBe(0);
    expect(again.logsAtLeast(50), 'restarted replica A logged errors').toEqual([]);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
    expect(await b.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);
});
