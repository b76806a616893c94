/**
 * Alert scan benchmark (issue "Security alerts"): one `pim.scanAlerts()` over 100,000 assignments
 * on real PostgreSQL, timed, with the process's memory.
 *
 *   npx tsx bench/alerts.ts [--count 100000] [--time-limit 600]
 *   (npm run bench:alerts)
 *
 * - Database: DATABASE_URL when set (a scratch database is created next to it), otherwise
 *   postgres://postgres@127.0.0.1:5432/test; the scratch database `pim_bench_alerts_<random>` is
 *   migrated and dropped at the end.
 * - Setup (not measured), bulk-inserted: of `count` assignments, half are eligible ones made 200
 *   days ago (Reader, Contributor, Owner in turn, one holder each); all but 1% of those were
 *   activated within the last 60 days (an ended activation each, with its request); the rest, 1% of
 *   `count`, are permanent active Owner assignments an admin made, which Owner's policy forbids. So
 *   a scan sees every rule's input at size: about 0.5% `unused_eligible`, 1% `permanent_active`,
 *   `too_many_critical_holders` for Owner and `no_mfa` per role.
 * - Measured: the core as src/core-factory.ts builds it (buildCore, record provider) and two calls
 *   of `pim.scanAlerts()`: the first raises every incident (alert rows and their cards' outbox
 *   rows, in one transaction), the second finds them all still open (the steady state of the
 *   15-minute schedule). Time per scan; heap and RSS before and after, peak heap sampled every 10 ms,
 *   peak RSS from `process.resourceUsage().maxRSS`.
 *
 * Prints the figures and writes bench/results/alerts.json. Bounded by `--time-limit` seconds.
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
import { buildCore } from '../src/core-factory.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { encryptionKey } from '../src/mfa/secret-box.js';
import { RecordProvider } from '../src/providers/record.js';
import { scratchDatabase } from './lib/pimbot.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    'time-limit': { type: 'string', default: '600' },
  },
});
const COUNT = Number(args.count);
const TIME_LIMIT_MS = Number(args['time-limit']) * 1000;
const DAY = 86_400_000;
const ROLES = ['Reader', 'Contributor', 'Owner'] as const;

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
  - name: Contributor
    scopes: [/]
    policy: { maxActivation: 8h, requireJustification: false }
  - name: Owner
    scopes: [/]
    policy: { maxActivation: 2h, requireJustification: false, allowPermanentActive: false }
`;

type Row = Record<string, string | number | Date | null>;

/** Bulk-inserts the assignments (and the activations' requests) described in the header. */
async function seed(sql: postgres.Sql, count: number, now: number): Promise<{ eligible: number; activations: number; permanent: number }> {
  const eligible = Math.floor(count / 2);
  const permanent = Math.floor(count / 100);
  const activations = count - eligible - permanent;
  const made = new Date(now - 200 * DAY);
  const assignments: Row[] = [];
  const requests: Row[] = [];
  const flush = async (force = false) => {
    if (assignments.length >= 5_000 || (force && assignments.length > 0)) await sql`insert into assignments ${sql(assignments.splice(0))}`;
    if (requests.length >= 5_000 || (force && requests.length > 0)) await sql`insert into requests ${sql(requests.splice(0))}`;
  };
  for (let i = 0; i < eligible; i++) {
    const role = ROLES[i % ROLES.length] as string;
    assignments.push({ id: `e-${i}`, principal_id: `holder${i}@example.com`, role, scope: '/', type: 'eligible', starts_at: made, ends_at: null, request_id: null, created_by: 'admin@example.com', created_at: made, ended_at: null, end_reason: null });
    await flush();
  }
  for (let i = 0; i < activations; i++) {
    const role = ROLES[i % ROLES.length] as string;
    const start = new Date(now - (1 + (i % 59)) * DAY);
    const end = new Date(start.getTime() + 3_600_000);
    const id = `R-A${String(i).padStart(6, '0')}`;
    requests.push({ id, kind: 'activate', principal_id: `holder${i}@example.com`, role, scope: '/', duration_ms: 3_600_000, state: 'expired', created_at: start, assignment_id: `x-${i}`, updated_at: end });
    assignments.push({ id: `x-${i}`, principal_id: `holder${i}@example.com`, role, scope: '/', type: 'active', starts_at: start, ends_at: end, request_id: id, created_by: `holder${i}@example.com`, created_at: start, ended_at: end, end_reason: 'expired' });
    await flush();
  }
  for (let i = 0; i < permanent; i++) {
    assignments.push({ id: `p-${i}`, principal_id: `standing${i}@example.com`, role: 'Owner', scope: '/', type: 'active', starts_at: made, ends_at: null, request_id: null, created_by: 'admin@example.com', created_at: made, ended_at: null, end_reason: null });
    await flush();
  }
  await flush(true);
  await sql`analyze assignments`;
  await sql`analyze requests`;
  return { eligible, activations, permanent };
}

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

async function main(): Promise<number> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const scratch = await scratchDatabase(base, 'pim_bench_alerts');
  const url = new URL(scratch.url);
  const seeder = postgres(url.toString(), { max: 1, onnotice: () => {} });
  let database: Database | undefined;
  const deadline = setTimeout(() => {
    console.error(`time limit of ${TIME_LIMIT_MS / 1000}s reached`);
    void cleanup().finally(() => process.exit(2));
  }, TIME_LIMIT_MS);
  let cleaned = false;
  async function cleanup(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    await database?.close().catch(() => {});
    await seeder.end({ timeout: 5 }).catch(() => {});
    await scratch.drop().catch((err: unknown) => console.error('could not drop', scratch.name, err));
  }

  try {
    database = await openDatabase({ url: url.toString() });
    await database.migrate();
    const setupStarted = Date.now();
    const seeded = await seed(seeder, COUNT, Date.now());
    const config = parsePimConfig(CONFIG, 'bench.pim.config.yaml', { env: {} });
    const { pim } = buildCore({
      config,
      database,
      clock: systemClock,
      platforms: () => ['slack'],
      // Nobody enrols in this bench: a throwaway key.
      keys: { current: encryptionKey(randomBytes(32)), previous: [] },
      provider: new RecordProvider(),
    });
    console.log(
      `${COUNT} assignments (${seeded.eligible} eligible, ${seeded.activations} past activations, ${seeded.permanent} permanent active; setup ${Date.now() - setupStarted} ms), ${availableParallelism()} CPUs: ${cpus()[0]?.model ?? '?'}, load average ${loadavg()[0]?.toFixed(2)}`,
    );

    global.gc?.();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }, 10);
    const scans: { ms: number; raised: number; resolved: number; open: number }[] = [];
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      const r = await pim.scanAlerts();
      const ms = Math.round(performance.now() - t0);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      scans.push({ ms, raised: r.raised.length, resolved: r.resolved.length, open: r.open });
      console.log(`scan ${k + 1}: ${ms} ms, ${r.raised.length} raised, ${r.resolved.length} resolved, ${r.open} open (${r.outcome})`);
    }
    clearInterval(sampler);
    const after = process.memoryUsage();
    const maxRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
    const [check] = await seeder<{ alerts: number; cards: number }[]>`
      select (select count(*) from alerts)::int as alerts,
             (select count(*) from outbox where dedupe_key like 'msg:alert:%')::int as cards`;
    console.log(`memory: heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB (peak sampled ${mb(peakHeap)} MB), RSS ${mb(before.rss)} -> ${mb(after.rss)} MB, peak RSS ${maxRssMb} MB`);
    console.log(`${check?.alerts} alert rows, ${check?.cards} alert cards queued; load average now ${loadavg()[0]?.toFixed(2)}`);

    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'alerts.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          count: COUNT,
          seeded,
          cpus: availableParallelism(),
          loadAverage: loadavg()[0],
          scans,
          memoryMb: { heapBefore: mb(before.heapUsed), heapAfter: mb(after.heapUsed), heapPeakSampled: mb(peakHeap), rssBefore: mb(before.rss), rssAfter: mb(after.rss), rssPeak: maxRssMb },
          alerts: check?.alerts,
          cards: check?.cards,
        },
        null,
        2,
      )}\n`,
    );
    const ok = scans[1]?.raised === 0 && scans[1]?.resolved === 0 && (scans[0]?.raised ?? 0) > 0;
    if (!ok) console.error('the first scan must raise incidents and the second find them all still open');
    return ok ? 0 : 1;
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
