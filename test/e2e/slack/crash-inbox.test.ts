/**
 * What Slack's ack promises survives `kill -9` (README, Guarantees): the real bot as a child
 * process (test/support/child-bot.ts) on PostgreSQL gets a burst of signed `/pim activate`
 * commands, one per user, and is killed with SIGKILL once part of them were acked. Restarted, it
 * must finish every acked command: each ran exactly once (one activation per user, counted in
 * the database) and each user was answered, at most the few answers in flight at the kill twice.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_WORK_CONCURRENCY } from '../../../adapters/slack/index.js';
import { rowsOf } from '../../../src/db/rows.js';
import { ChildBot, killAllChildBots } from '../../support/child-bot.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, type TestDatabase } from '../../support/db.js';
import { eventually, FakeSlack, type SlackUser } from '../../support/fake-slack.js';

const USERS = 600;
/** Commands on the wire at once. */
const SENDERS = 60;
/** Acks seen before the kill. */
const KILL_AFTER_ACKS = 150;

const user = (i: number): SlackUser => ({ id: `U0C${String(i).padStart(4, '0')}`, name: `user${i}` });
const principal = (i: number) => `user${String(i).padStart(4, '0')}@example.com`;

const CONFIG = `
directory:
  users:
${Array.from({ length: USERS }, (_, i) => `    - { id: ${principal(i)}, name: User ${i}, slack: ${user(i).id} }`).join('\n')}
admins: [${principal(0)}]
roles:
  - name: Reader
    scopes: [/]
    policy: { maxActivation: 8h, requireJustification: false }
bootstrap:
  assignments:
${Array.from({ length: USERS }, (_, i) => `    - { principal: ${principal(i)}, role: Reader, type: eligible }`).join('\n')}
`;

noteSkippedWithoutPostgres('acked commands across a SIGKILL of the bot');

let database: TestDatabase;
let fake: FakeSlack;

describe.runIf(onPostgres)('acked commands across kill -9', () => {
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

  it('runs every acked command once and answers its user after a restart', async () => {
    const bot = await ChildBot.start({ name: 'bot', databaseUrl: database.url as string, config: CONFIG, fake });
    const slack = bot.slack();
    const acked = new Map<number, string>(); // user index -> response id
    const failed: number[] = [];
    let next = 0;
    let killing: Promise<unknown> | null = null;
    const sender = async () => {
      for (let i = next++; i < USERS; i = next++) {
        try {
          const sent = await slack.command(user(i), 'activate Reader 1h');
          if (sent.status === 200) acked.set(i, sent.responseId);
          else failed.push(i);
        } catch {
          failed.push(i); // the bot died with this request on the wire: nothing was promised
        }
        if (!killing && acked.size >= KILL_AFTER_ACKS) killing = bot.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    expect(killing, 'the bot was killed mid-burst').not.toBeNull();
    await killing;
    const answeredAtKill = new Set(fake.responses.map((r) => r.id)).size;
    const ackedIds = new Set(acked.values());
    const ranAtKill = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from assignments where type = 'active'`))[0]?.n ?? 0;

    const restarted = await bot.restart();
    const answered = () => new Set(fake.responses.map((r) => r.id).filter((id) => ackedIds.has(id))).size;
    await eventually(() => answered() === ackedIds.size, 'every acked command to be answered', { timeoutMs: 60_000, intervalMs: 50 }).catch((err: Error) => {
      throw new Error(`${err.message}: ${answered()} of ${ackedIds.size}\n${restarted.describe(30)}`);
    });
    await eventually(
      async () => rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from dedupe_keys where body is not null and done_at is null`))[0]?.n === 0,
      'the inbox to be empty',
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    await new Promise((r) => setTimeout(r, 1_500)); // anything late would show now

    // ---- ran once: one activation per acked user, none twice for anyone.
    const active = rowsOf<{ principal_id: string; n: number }>(
      await database.db.execute(sql`select principal_id, count(*)::int as n from assignments where type = 'active' and ended_at is null group by principal_id`),
    );
    const activeBy = new Map(active.map((r) => [r.principal_id, r.n]));
    expect(active.filter((r) => r.n !== 1)).toEqual([]);
    const missing = [...acked.keys()].filter((i) => activeBy.get(principal(i)) !== 1);
    expect(missing).toEqual([]);
    // Requests that reached the inbox but whose ack never left ran too (once): the others did not run.
    expect(active.length).toBeGreaterThanOrEqual(acked.size);
    expect(active.length).toBeLessThanOrEqual(acked.size + failed.length);

    // ---- answered: each acked command at least once, at most the answers in flight at the kill twice.
    const answers = new Map<string, number>();
    for (const r of fake.responses) if (ackedIds.has(r.id)) answers.set(r.id, (answers.get(r.id) ?? 0) + 1);
    const twice = [...answers.values()].filter((n) => n === 2).length;
    const more = [...answers.values()].filter((n) => n > 2).length;
    const figures = { sent: USERS, acked: acked.size, notAcked: failed.length, answeredAtKill, ranAtKill, ranAfterRestart: active.length - ranAtKill, answeredTwice: twice, activations: active.length };
    console.info(`[crash-inbox] ${JSON.stringify(figures)}`);
    expect(more).toBe(0);
    expect(twice).toBeLessThanOrEqual(SLACK_WORK_CONCURRENCY);
    // The kill really cut work off: some acked commands ran only after the restart.
    expect(active.length).toBeGreaterThan(ranAtKill);
    expect(restarted.logsAtLeast(50), 'the restarted bot logged errors').toEqual([]);
    const exit = await restarted.stop();
    expect(exit, `the restarted bot did not stop cleanly; its last output:\n${restarted.output().slice(-3000)}`).toEqual({ code: 0, signal: null });
  }, 180_000);
});
