/**
 * Two replicas on one PostgreSQL database: two full engine stacks (DrizzleStore + Pim +
 * DeadlineLoop + Dispatcher + schedules, each on its own connection pool, woken by its own
 * commits and by LISTEN/NOTIFY from the other), as two bot processes would run them. 1,000
 * activations end at the same instant: each is ended once, audited once and its holder told
 * once; the weekly digest fired by both at the same instant goes out once.
 */
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { buildCore } from '../../../src/core-factory.js';
import type { MessageRef, Messenger, Notice, Pim, Recipient } from '../../../src/core/index.js';
import { assignments } from '../../../src/db/assignments.sql.js';
import { verifyAuditChain } from '../../../src/db/audit-verify.js';
import { auditEvents } from '../../../src/db/audit.sql.js';
import { openDatabase, type Database } from '../../../src/db/client.js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { OUTBOX_CHANNEL } from '../../../src/db/repos/outbox.js';
import { requests } from '../../../src/db/requests.sql.js';
import { DeadlineLoop } from '../../../src/jobs/deadlines.js';
import { Dispatcher } from '../../../src/jobs/dispatcher.js';
import { digestJob, Schedules } from '../../../src/jobs/schedules.js';
import { RecordProvider } from '../../../src/providers/record.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, type TestDatabase } from '../../support/db.js';
import { testKeyRing } from '../../support/keys.js';
import { HOUR, pimConfigYaml, START } from '../../support/pim.js';

const N = 1000;
const END = new Date(START.getTime() + HOUR);
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Every send of every replica's messenger, in one log. */
const sends: { replica: number; to: Recipient; notice: Notice }[] = [];

class Recorder implements Messenger {
  readonly platform = 'slack' as const;
  constructor(private readonly replica: number) {}
  canReach(): boolean {
    return true;
  }
  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    sends.push({ replica: this.replica, to, notice });
    return { platform: 'slack', conversation: to.kind === 'user' ? to.principalId : to.channel, messageId: `m${sends.length}` };
  }
  async update(): Promise<void> {}
}

interface Replica {
  pim: Pim;
  deadlines: DeadlineLoop;
  dispatcher: Dispatcher;
  schedules: Schedules;
  stop(): Promise<void>;
}

const clock = new ManualClock(START);

async function replica(k: number, database: Database): Promise<Replica> {
  const config = parsePimConfig(pimConfigYaml(), 'pim.config.yaml', { env: {} });
  let dispatcher: Dispatcher | null = null;
  let deadlines: DeadlineLoop | null = null;
  const wake = () => {
    dispatcher?.wake();
    deadlines?.wake();
  };
  const provider = new RecordProvider();
  const { pim } = buildCore({ config, database, clock, onOutboxCommit: wake, platforms: () => ['slack'], keys: testKeyRing(), provider });
  const messenger = new Recorder(k);
  const d = new Dispatcher({
    queue: new OutboxQueue(database.db),
    refs: new MessageRefStore(database.db),
    messengers: () => [messenger],
    provider,
    clock,
    logger: quiet,
    pollMs: 200,
    hooks: { currentNotice: (n) => pim.currentNotice(n), completeGrant: (id) => pim.completeGrant(id), failGrant: (id, r) => pim.failGrant(id, r), revokeFailed: (t, r) => pim.revokeFailed(t, r), deadLettered: async () => {} },
  });
  const l = new DeadlineLoop({ work: pim, clock, logger: quiet, maxSleepMs: 500 });
  dispatcher = d;
  deadlines = l;
  const schedules = new Schedules({ jobs: [digestJob(pim, { cron: config.schedules.digest, timeZone: 'UTC' })], timezone: 'UTC', logger: quiet });
  const unlisten = await database.listen(OUTBOX_CHANNEL, wake);
  d.start();
  l.start();
  schedules.start();
  return {
    pim,
    deadlines: l,
    dispatcher: d,
    schedules,
    async stop() {
      await schedules.stop();
      await l.stop();
      await d.stop();
      await unlisten();
    },
  };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

noteSkippedWithoutPostgres('two replicas processing 1,000 expiries and one digest');
describe.runIf(onPostgres)('two replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  let second: Database;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    second = await openDatabase({ url: database.url as string });
    // 1,000 activations by 1,000 holders, all ending at END (their 10-minute warnings already sent).
    const start = new Date(END.getTime() - HOUR);
    await database.db.insert(requests).values(
      Array.from({ length: N }, (_, i) => ({
        id: `R-H${String(i).padStart(5, '0')}`,
        kind: 'activate' as const,
        principalId: `holder${i}@example.com`,
        role: 'Reader',
        scope: '/',
        durationMs: HOUR,
        state: 'active' as const,
        createdAt: start,
        assignmentId: `a-${i}`,
        updatedAt: start,
      })),
    );
    await database.db.insert(assignments).values(
      Array.from({ length: N }, (_, i) => ({
        id: `a-${i}`,
        principalId: `holder${i}@example.com`,
        role: 'Reader',
        scope: '/',
        type: 'active' as const,
        startsAt: start,
        endsAt: END,
        requestId: `R-H${String(i).padStart(5, '0')}`,
        createdBy: `holder${i}@example.com`,
        createdAt: start,
        warnedAt: new Date(END.getTime() - 10 * 60_000),
      })),
    );
    replicas.push(await replica(1, database), await replica(2, second));
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await second?.close();
    await database?.close();
  });

  it('expires each of 1,000 activations once, audits each once and tells each holder once', async () => {
    clock.set(END);
    for (const r of replicas) r.deadlines.wake();
    const queue = new OutboxQueue(database.db);
    await waitFor(async () => {
      const ended = await database.db.select({ endedAt: assignments.endedAt }).from(assignments);
      return ended.every((a) => a.endedAt !== null) && (await queue.depth()) === 0 && sends.length >= N;
    }, 'every expiry and every message');

    const rows = await database.db.select().from(assignments).orderBy(asc(assignments.id));
    expect(rows).toHaveLength(N);
    expect(rows.every((a) => a.endReason === 'expired' && a.endedAt?.getTime() === END.getTime())).toBe(true);
    expect((await database.db.select({ state: requests.state }).from(requests)).every((r) => r.state === 'expired')).toBe(true);

    const audits = (await database.db.select().from(auditEvents)).filter((e) => e.action === 'activation.expired');
    expect(audits).toHaveLength(N);
    expect(new Set(audits.map((e) => e.subject)).size).toBe(N);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);

    const told = sends.filter((s) => s.notice.kind === 'activation_ended');
    expect(told).toHaveLength(N);
    const perHolder = new Map<string, number>();
    for (const s of told) if (s.to.kind === 'user') perHolder.set(s.to.principalId, (perHolder.get(s.to.principalId) ?? 0) + 1);
    expect(perHolder.size).toBe(N);
    expect([...perHolder.values()].every((n) => n === 1)).toBe(true);
  });

  it('sends the weekly digest once when both replicas run it at the same instant', async () => {
    sends.length = 0;
    const outcomes = await Promise.all(replicas.map((r) => r.schedules.runNow('digest')));
    expect(outcomes.filter((o) => (o as { outcome: string }).outcome === 'sent')).toHaveLength(1);
    const queue = new OutboxQueue(database.db);
    await waitFor(async () => (await queue.depth()) === 0 && sends.length >= 2, 'the digest deliveries');
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    const digests = sends.filter((s) => s.notice.kind === 'digest');
    expect(digests.map((s) => s.to)).toEqual(expect.arrayContaining([{ kind: 'user', principalId: 'erin@example.com' }, { kind: 'channel', channel: 'security' }]));
    expect(digests).toHaveLength(2);
    expect((await database.db.select().from(auditEvents)).filter((e) => e.action === 'digest.sent')).toHaveLength(1);
    // Run again by either replica the same week: nothing more is sent.
    expect(await replicas[1]?.schedules.runNow('digest')).toMatchObject({ outcome: 'already_sent' });
  });
});
