/**
 * Access-review benchmark (issue 13): a review over `--holders` x `--scopes` assignments (default
 * 200 x 25 = 5,000, one self-reviewer each: 200 reviewers) on real PostgreSQL, delivered through
 * a Messenger that answers `--limited` of its calls with a rate limit (a 429 with Retry-After), and
 * three timings: open (items made and every reviewer's card delivered), remind (the halfway
 * reminder delivered to every reviewer), close and apply (every reviewer takes the recommendations,
 * the review ends and auto-applies: every removal made and its holder told, the summary posted).
 * It then checks that no message was lost or sent twice.
 *
 *   npx tsx bench/review.ts [--holders 200] [--scopes 25] [--limited 0.3] [--time-limit 600]
 *   (npm run bench:review)
 *
 * - Database: a scratch database `pim_bench_review_<random>` next to DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/test), migrated, dropped at the end.
 * - The stack as src/app.ts wires it, minus the deadline loop (the bench calls processDeadlines
 *   itself after moving an OffsetClock): DrizzleStore + Pim + the outbox Dispatcher with its
 *   default tuning, woken by commits; the record provider.
 * - The Messenger is in-process, not Slack over HTTP: the figures are pimbot's own. The platform's
 *   floor (messages / the documented per-second limit; Slack chat.postMessage about 5 a second
 *   workspace-wide, adapters/slack/limits.ts) is printed next to them: with real Slack the floor
 *   dominates.
 *
 * Prints the timings and writes bench/results/review.json. Bounded by `--time-limit`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { OffsetClock } from '../src/clock.js';
import { parsePimConfig } from '../src/config/pim-config.js';
import { DeliveryError, type MessageRef, type Messenger, type Notice, type Recipient } from '../src/core/index.js';
import { buildCore } from '../src/core-factory.js';
import { openDatabase } from '../src/db/client.js';
import { MessageRefStore } from '../src/db/message-refs.js';
import { OutboxQueue } from '../src/db/outbox-queue.js';
import { Dispatcher } from '../src/jobs/dispatcher.js';
import { encryptionKey } from '../src/mfa/secret-box.js';
import { RecordProvider } from '../src/providers/record.js';
import { scratchDatabase } from './lib/pimbot.js';

const { values: args } = parseArgs({
  options: {
    holders: { type: 'string', default: '200' },
    scopes: { type: 'string', default: '25' },
    limited: { type: 'string', default: '0.3' },
    'time-limit': { type: 'string', default: '600' },
  },
});
const HOLDERS = Number(args.holders);
const SCOPES = Number(args.scopes);
const LIMITED = Math.min(0.9, Math.max(0, Number(args.limited)));
const TIME_LIMIT_MS = Number(args['time-limit']) * 1000;
const ITEMS = HOLDERS * SCOPES;
const DAY = 86_400_000;
/** Slack chat.postMessage workspace-wide, as the adapter paces it (adapters/slack/limits.ts). */
const SLACK_POSTS_PER_SECOND = 5;

const holder = (i: number) => `holder${i}@example.com`;
const scope = (k: number) => `/s/${k}`;
const CONFIG = `
directory:
  users:
    - { id: admin@example.com, name: Admin, slack: U0ADMIN }
${Array.from({ length: HOLDERS }, (_, i) => `    - { id: ${holder(i)}, name: Holder ${i}, slack: U${String(i).padStart(7, '0')} }`).join('\n')}
admins: [admin@example.com]
channels:
  security: { slack: C0SECURITY }
roles:
  - name: Reader
    scopes: [${Array.from({ length: SCOPES }, (_, k) => scope(k)).join(', ')}]
    policy: { requireJustification: false }
`;
const silent = { info: () => {}, warn: () => {}, error: (obj: object, msg?: string) => console.error(msg ?? 'error', obj) };

/** Counts what was delivered, by what it is; answers `LIMITED` of its calls with a rate limit. */
class CountingMessenger implements Messenger {
  readonly platform = 'slack' as const;
  readonly sent = new Map<string, number>();
  limitedCalls = 0;
  private calls = 0;
  canReach(): boolean {
    return true;
  }
  private maybeLimit(): void {
    this.calls++;
    // Deterministic: the same share of calls every run.
    if ((this.calls * 7919) % 100 < LIMITED * 100) {
      this.limitedCalls++;
      throw DeliveryError.rateLimited('ratelimited', 20);
    }
  }
  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    this.maybeLimit();
    const who = to.kind === 'user' ? to.principalId : to.channel;
    const what =
      notice.kind === 'review_request' ? `card:${notice.reminder ?? 'open'}` : notice.kind === 'assignment_changed' ? `removed:${notice.assignment.id}` : notice.kind === 'review_summary' ? `summary:${notice.stage}` : notice.kind;
    const key = `${what}:${who}`;
    this.sent.set(key, (this.sent.get(key) ?? 0) + 1);
    return { platform: 'slack', conversation: who, messageId: randomBytes(6).toString('hex') };
  }
  async update(): Promise<void> {
    this.maybeLimit();
  }
  count(prefix: string): { distinct: number; total: number } {
    let distinct = 0;
    let total = 0;
    for (const [k, n] of this.sent) if (k.startsWith(prefix)) {
      distinct++;
      total += n;
    }
    return { distinct, total };
  }
}

async function until(what: string, test: () => Promise<boolean> | boolean, deadline: number): Promise<void> {
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<number> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const scratch = await scratchDatabase(base, 'pim_bench_review');
  const url = new URL(scratch.url);
  const database = await openDatabase({ url: url.toString() });
  const observer = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const deadline = Date.now() + TIME_LIMIT_MS;
  let dispatcher: Dispatcher | null = null;
  try {
    await database.migrate();
    const clock = new OffsetClock();
    const provider = new RecordProvider();
    const { pim } = buildCore({
      config: parsePimConfig(CONFIG, 'bench.pim.config.yaml', { env: {} }),
      database,
      clock,
      onOutboxCommit: () => dispatcher?.wake(),
      platforms: () => ['slack'],
      keys: { current: encryptionKey(randomBytes(32)), previous: [] },
      provider,
    });
    const messenger = new CountingMessenger();
    dispatcher = new Dispatcher({
      queue: new OutboxQueue(database.db),
      refs: new MessageRefStore(database.db),
      messengers: () => [messenger],
      provider,
      clock,
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
    dispatcher.start();
    const setup = Date.now();
    await pim.bootstrap(Array.from({ length: ITEMS }, (_, n) => ({ principal: holder(n % HOLDERS), role: 'Reader', scope: scope(Math.floor(n / HOLDERS)), type: 'eligible' as const, endsAt: null })));
    await observer`analyze assignments`;
    const left = async () => ((await observer<{ n: number }[]>`select count(*)::int as n from outbox where delivered_at is null and dead_at is null`)[0]?.n ?? 0) === 0;
    await until('the bootstrap notices', left, deadline);
    console.log(`${ITEMS} assignments, ${HOLDERS} reviewers (setup ${Date.now() - setup} ms; ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)}; ${Math.round(LIMITED * 100)}% of calls rate-limited)`);

    const erin = pim.actorFor('admin@example.com', 'system');
    let t = Date.now();
    const { review, items } = await pim.startReview(erin, { role: 'Reader', reviewers: { kind: 'self' }, settings: { autoApply: true } });
    const openedMs = Date.now() - t;
    await until('every card', () => messenger.count('card:open:').distinct === HOLDERS, deadline);
    const openMs = Date.now() - t;
    console.log(`open:   ${items.length} items in ${openedMs} ms; every card delivered after ${openMs} ms (platform floor ${Math.round(HOLDERS / SLACK_POSTS_PER_SECOND)} s)`);

    // A jump of the clock ages queued rows past delivery.giveUpAfter: let the queue drain first.
    await until('the queue to drain', left, deadline);
    clock.advance(7 * DAY);
    t = Date.now();
    await pim.processDeadlines();
    await until('every reminder', () => messenger.count('card:halfway:').distinct === HOLDERS, deadline);
    const remindMs = Date.now() - t;
    console.log(`remind: every reminder delivered after ${remindMs} ms (platform floor ${Math.round(HOLDERS / SLACK_POSTS_PER_SECOND)} s)`);

    t = Date.now();
    for (let i = 0; i < HOLDERS; i++) await pim.acceptReviewRecommendations(pim.actorFor(holder(i), 'slack'), review.id);
    const decideMs = Date.now() - t;
    await until('the queue to drain', left, deadline);
    clock.advance(7 * DAY);
    t = Date.now();
    await pim.processDeadlines();
    const appliedMs = Date.now() - t;
    await until('every removal told and the summary', async () => messenger.count('removed:').distinct === ITEMS && messenger.count('summary:applied:').distinct === 1 && (await left()), deadline);
    const closeMs = Date.now() - t;
    console.log(`close:  ${HOLDERS} reviewers accepted the recommendations in ${decideMs} ms; ended and applied in ${appliedMs} ms; ${ITEMS} removals told and the summary posted after ${closeMs} ms (platform floor ${Math.round(ITEMS / SLACK_POSTS_PER_SECOND)} s)`);

    const [check] = await observer<{ removed: number; dead: number; pending: number }[]>`
      select (select count(*) from assignments where end_reason = 'removed')::int as removed,
             (select count(*) from outbox where dead_at is not null)::int as dead,
             (select count(*) from outbox where delivered_at is null and dead_at is null)::int as pending`;
    const doubled = [...messenger.sent.values()].filter((n) => n > 1).length;
    const exact = check?.removed === ITEMS && check.dead === 0 && check.pending === 0 && doubled === 0 && messenger.count('card:open:').total === HOLDERS && messenger.count('removed:').total === ITEMS;
    console.log(`check:  ${check?.removed} assignments removed, ${messenger.limitedCalls} calls rate-limited and retried, ${check?.dead} dead-lettered, ${check?.pending} left, ${doubled} messages sent twice: ${exact ? 'OK, 0 lost, 0 doubled' : 'FAILED'}`);

    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'review.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ at: new Date().toISOString(), items: ITEMS, reviewers: HOLDERS, limitedShare: LIMITED, cpus: availableParallelism(), loadAverage: loadavg()[0], openedMs, openMs, remindMs, decideMs, appliedMs, closeMs, rateLimitedCalls: messenger.limitedCalls, lost: (check?.pending ?? 0) + (check?.dead ?? 0), doubled, platformFloorS: { open: HOLDERS / SLACK_POSTS_PER_SECOND, remind: HOLDERS / SLACK_POSTS_PER_SECOND, close: ITEMS / SLACK_POSTS_PER_SECOND } }, null, 2)}\n`,
    );
    return exact ? 0 : 1;
  } finally {
    await dispatcher?.stop().catch(() => {});
    await database.close().catch(() => {});
    await observer.end({ timeout: 5 }).catch(() => {});
    await scratch.drop().catch((err: unknown) => console.error('could not drop', scratch.name, err));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
