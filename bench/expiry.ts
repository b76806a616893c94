/**
 * Expiry benchmark (docs/ARCHITECTURE.md, "Targets"): 10,000 activations ending in the
 * same second on real PostgreSQL must all be revoked (assignment ended, request expired) and
 * their holders told (a DM delivered through a Messenger) within 2 s of their end time.
 *
 *   npx tsx bench/expiry.ts [--count 10000] [--lead 4000] [--replicas 1] [--time-limit 120]
 *   (npm run bench:expiry)
 *
 * - Database: DATABASE_URL when set (a scratch database is created next to it), otherwise
 *   postgres://postgres@127.0.0.1:5432/test; the scratch database `pim_bench_expiry_<random>` is
 *   migrated and dropped at the end.
 * - Setup (not measured): `count` activations by `count` distinct holders, each an active
 *   request with its active assignment, all ending at the same instant T, `lead` ms after the
 *   stack starts, bulk-inserted. Their 10-minute warnings are marked sent, as they would have been,
 *   and each holder's own message about the request is on record, so expiry updates it in place
 *   (one conversation per request) as it would in production: 20,000 outbox rows in all.
 * - The stack, as src/app.ts wires it: DrizzleStore + Pim + DeadlineLoop + outbox Dispatcher
 *   with the default tuning, woken by commits and LISTEN/NOTIFY, the record grant provider, and a
 *   recording in-process Messenger standing in for Slack. `--replicas 2` runs two such stacks on
 *   separate connection pools, as two replicas would.
 * - Revoked: a separate connection polls (every ~10 ms) how many requests are expired (each
 *   expires in the transaction that ends its assignment); an item counts as revoked at the first
 *   poll that sees it, so the figure includes commit and visibility, to within the poll interval.
 *   The engine's own figure (its commit time minus the end time, per assignment) is printed next to it.
 * - Notified: when the Messenger's `send` was called with the holder's `activation_ended` DM.
 *   The request messages updated to "expired" are counted too (each must be, once at least).
 *
 * Prints p50, p99, max and the time until the last one, and writes bench/results/expiry.json.
 * Bounded: it stops at `--time-limit` seconds whatever happens, cleaning up, exiting non-zero.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { systemClock } from '../src/clock.js';
import { parsePimConfig } from '../src/config/pim-config.js';
import type { MessageRef, Messenger, Notice, Recipient } from '../src/core/index.js';
import { buildCore } from '../src/core-factory.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { MessageRefStore } from '../src/db/message-refs.js';
import { OutboxQueue } from '../src/db/outbox-queue.js';
import { OUTBOX_CHANNEL } from '../src/db/repos/outbox.js';
import { DeadlineLoop } from '../src/jobs/deadlines.js';
import { Dispatcher } from '../src/jobs/dispatcher.js';
import { encryptionKey } from '../src/mfa/secret-box.js';
import { RecordProvider } from '../src/providers/record.js';
import { scratchDatabase } from './lib/pimbot.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    lead: { type: 'string', default: '4000' },
    replicas: { type: 'string', default: '1' },
    'time-limit': { type: 'string', default: '120' },
  },
});
const COUNT = Number(args.count);
const LEAD_MS = Number(args.lead);
const REPLICAS = Number(args.replicas);
const TIME_LIMIT_MS = Number(args['time-limit']) * 1000;
const GOAL_MS = 2_000;

const CONFIG = `
directory:
  users:
    - { id: admin@example.com, name: Admin, slack: U0ADMIN }
admins: [admin@example.com]
channels:
  security: { slack: C0SECURITY }
roles:
  - name: Reader
    scopes: [/]
    policy: { maxActivation: 8h, requireJustification: false }
`;

const silent = { info: () => {}, warn: () => {}, error: (obj: object, msg?: string) => console.error(msg ?? 'error', obj) };

/** Records when each holder was told; stands in for Slack's Web API. */
class RecordingMessenger implements Messenger {
  readonly platform = 'slack' as const;
  constructor(
    private readonly told: Map<string, number[]>,
    private readonly ended: Set<string>,
  ) {}
  canReach(): boolean {
    return true;
  }
  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    if (notice.kind === 'activation_ended' && to.kind === 'user') {
      const at = Date.now();
      const list = this.told.get(to.principalId);
      if (list) list.push(at);
      else this.told.set(to.principalId, [at]);
    }
    return { platform: 'slack', conversation: to.kind === 'user' ? to.principalId : to.channel, messageId: randomBytes(6).toString('hex') };
  }
  async update(ref: MessageRef, notice: Notice): Promise<void> {
    if (notice.kind === 'request_pending' && notice.request.state === 'expired') this.ended.add(ref.messageId);
  }
}

interface Stack {
  deadlines: DeadlineLoop;
  dispatcher: Dispatcher;
  engineLagsMs: number[];
  stop(): Promise<void>;
}

async function startStack(database: Database, told: Map<string, number[]>, ended: Set<string>): Promise<Stack> {
  const config = parsePimConfig(CONFIG, 'bench.pim.config.yaml', { env: {} });
  let dispatcher: Dispatcher | null = null;
  let deadlines: DeadlineLoop | null = null;
  const wake = () => {
    dispatcher?.wake();
    deadlines?.wake();
  };
  const provider = new RecordProvider();
  const { pim } = buildCore({
    config,
    database,
    clock: systemClock,
    onOutboxCommit: wake,
    platforms: () => ['slack'],
    // Nobody enrols in this bench: a throwaway key.
    keys: { current: encryptionKey(randomBytes(32)), previous: [] },
    provider,
  });
  const messenger = new RecordingMessenger(told, ended);
  dispatcher = new Dispatcher({
    queue: new OutboxQueue(database.db),
    refs: new MessageRefStore(database.db),
    messengers: () => [messenger],
    provider,
    clock: systemClock,
    logger: silent,
    hooks: {
      currentNotice: (n) => pim.currentNotice(n),
      currentNotices: (ns) => pim.currentNotices(ns),
      completeGrant: (id) => pim.completeGrant(id),
      failGrant: (id, reason) => pim.failGrant(id, reason),
      revokeFailed: (target, reason) => pim.revokeFailed(target, reason),
      deadLettered: async () => {},
    },
  });
  const engineLagsMs: number[] = [];
  deadlines = new DeadlineLoop({ work: pim, clock: systemClock, logger: silent, onProcessed: (r) => engineLagsMs.push(...r.expiryLagsMs) });
  const unlisten = await database.listen(OUTBOX_CHANNEL, wake);
  dispatcher.start();
  deadlines.start();
  const d = dispatcher;
  const l = deadlines;
  return {
    deadlines: l,
    dispatcher: d,
    engineLagsMs,
    async stop() {
      await l.stop();
      await d.stop();
      await unlisten();
    },
  };
}

/** Bulk-inserts `count` active activations, all ending at `endsAt`, warnings already sent. */
async function seed(sql: postgres.Sql, count: number, endsAt: Date): Promise<void> {
  const start = new Date(endsAt.getTime() - 3_600_000);
  for (let k = 0; k < count; k += 2_000) {
    const n = Math.min(2_000, count - k);
    const ids = Array.from({ length: n }, (_, j) => k + j);
    const requests = ids.map((i) => ({
      id: `R-B${String(i).padStart(6, '0')}`,
      kind: 'activate',
      principal_id: `holder${i}@example.com`,
      role: 'Reader',
      scope: '/',
      duration_ms: 3_600_000,
      state: 'active',
      created_at: start,
      assignment_id: `a-${i}`,
      updated_at: start,
    }));
    const assignments = ids.map((i) => ({
      id: `a-${i}`,
      principal_id: `holder${i}@example.com`,
      role: 'Reader',
      scope: '/',
      type: 'active',
      starts_at: start,
      ends_at: endsAt,
      request_id: `R-B${String(i).padStart(6, '0')}`,
      created_by: `holder${i}@example.com`,
      created_at: start,
      warned_at: new Date(endsAt.getTime() - 600_000),
    }));
    // Each holder's own message about the request (one conversation per request): expiry updates it.
    const refs = ids.map((i) => ({ subject: `pending:R-B${String(i).padStart(6, '0')}`, platform: 'slack', conversation: `D-holder${i}`, message_id: `m-${i}` }));
    await sql`insert into requests ${sql(requests)}`;
    await sql`insert into assignments ${sql(assignments)}`;
    await sql`insert into message_refs ${sql(refs)}`;
  }
  await sql`analyze assignments`;
  await sql`analyze requests`;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { count: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s.length ? (s[s.length - 1] as number) : NaN };
};

async function main(): Promise<number> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const scratch = await scratchDatabase(base, 'pim_bench_expiry');
  const url = new URL(scratch.url);
  const databases: Database[] = [];
  const stacks: Stack[] = [];
  const observer = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const deadline = setTimeout(() => {
    console.error(`time limit of ${TIME_LIMIT_MS / 1000}s reached`);
    void cleanup().finally(() => process.exit(2));
  }, TIME_LIMIT_MS);
  let cleaned = false;
  async function cleanup(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    for (const s of stacks) await s.stop().catch(() => {});
    for (const d of databases) await d.close().catch(() => {});
    await observer.end({ timeout: 5 }).catch(() => {});
    await scratch.drop().catch((err: unknown) => console.error('could not drop', scratch.name, err));
  }

  try {
    const first = await openDatabase({ url: url.toString() });
    databases.push(first);
    await first.migrate();
    for (let r = 1; r < REPLICAS; r++) databases.push(await openDatabase({ url: url.toString() }));

    const setupStarted = Date.now();
    const endsAt = new Date(Math.ceil((Date.now() + LEAD_MS + 2_000) / 1000) * 1000); // on a whole second
    await seed(observer, COUNT, endsAt);
    const told = new Map<string, number[]>();
    const ended = new Set<string>();
    for (const d of databases) stacks.push(await startStack(d, told, ended));
    const T = endsAt.getTime();
    console.log(
      `${COUNT} activations ending at ${endsAt.toISOString()} (setup ${Date.now() - setupStarted} ms, ${REPLICAS} replica(s), ${availableParallelism()} CPUs: ${cpus()[0]?.model ?? '?'}, load average ${loadavg()[0]?.toFixed(2)})`,
    );

    // Poll until everything is revoked and told (or the time limit stops the run).
    const revokedAt: number[] = [];
    let revoked = 0;
    while (revoked < COUNT || [...told.values()].length < COUNT) {
      await new Promise((r) => setTimeout(r, Date.now() < T - 50 ? 20 : 10));
      if (revoked >= COUNT) continue;
      // The assignment ends and its request expires in the same transaction: counting the
      // requests (by their state index) is enough, and cheap enough not to slow the run down.
      const [row] = await observer<{ expired: number }[]>`select count(*)::int as expired from requests where state = 'expired'`;
      const now = Date.now();
      const seen = row?.expired ?? 0;
      while (revokedAt.length < seen) revokedAt.push(now - T);
      revoked = seen;
    }
    const finishedAt = Date.now();
    // Let the dispatchers settle what they delivered before counting what is left.
    for (let k = 0; k < 100; k++) {
      const [left] = await observer<{ n: number }[]>`select count(*)::int as n from outbox where delivered_at is null and dead_at is null`;
      if ((left?.n ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const notified = [...told.values()].map((times) => (times[0] as number) - T);
    const dmsSent = [...told.values()].reduce((n, times) => n + times.length, 0);
    const engine = stacks.flatMap((s) => s.engineLagsMs);

    const [check] = await observer<{ audits: number; outbox: number }[]>`
      select (select count(*) from audit_events where action = 'activation.expired')::int as audits,
             (select count(*) from outbox where delivered_at is null and dead_at is null)::int as outbox`;
    const r = { revoked: summary(revokedAt), notified: summary(notified), engine: summary(engine) };
    const allWithin = r.revoked.max <= GOAL_MS && r.notified.max <= GOAL_MS;
    const fmt = (s: { p50: number; p99: number; max: number }) => `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`;
    console.log(`revoked  (observed):     ${fmt(r.revoked)}`);
    console.log(`revoked  (engine commit): ${fmt(r.engine)}`);
    console.log(`notified (DM sent):       ${fmt(r.notified)}`);
    console.log(`total: all ${COUNT} revoked and told ${finishedAt - T} ms after their end; ${check?.audits} activation.expired audit rows, ${dmsSent} DMs for ${told.size} holders, ${ended.size} request messages updated to expired, ${check?.outbox} outbox rows left`);
    console.log(allWithin ? `OK: all within ${GOAL_MS} ms` : `MISSED: not all within ${GOAL_MS} ms`);

    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'expiry.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ at: new Date().toISOString(), count: COUNT, replicas: REPLICAS, cpus: availableParallelism(), loadAverage: loadavg()[0], goalMs: GOAL_MS, ...r, totalMs: finishedAt - T, allWithin, dmsSent, holders: told.size, auditRows: check?.audits, requestMessagesUpdated: ended.size }, null, 2)}\n`,
    );
    const exact = check?.audits === COUNT && dmsSent === COUNT && told.size === COUNT && ended.size === COUNT;
    if (!exact) console.error('each assignment must be expired once, each holder told once and each request message updated');
    return allWithin && exact ? 0 : 1;
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
