/**
 * Audit retention on the real test database: pruning deletes the old rows and the chain still
 * verifies from the checkpoint it leaves; edits, deletions and a forged checkpoint after a prune
 * are still named; two prunes at once prune once; the config refuses a retention under 30 days.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import type { AuditInput } from '../../../src/core/types.js';
import { MIN_AUDIT_RETENTION_MS, pruneAuditTrail } from '../../../src/db/audit-retention.js';
import { META_AUDIT_CHECKPOINT, verifyAuditChain } from '../../../src/db/audit-verify.js';
import { auditEvents } from '../../../src/db/audit.sql.js';
import { MetaStore } from '../../../src/db/meta.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { auditRetentionJob, Schedules } from '../../../src/jobs/schedules.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { ManualClock } from '../../support/db-fixtures.js';

const DAY = 86_400_000;
const START = new Date('2030-01-01T00:00:00.000Z');

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase({ maxConnections: 10 });
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

/** One audit row a day for `days` days from START, each in its own transaction. */
async function history(days: number): Promise<ManualClock> {
  const clock = new ManualClock(START);
  const store = new DrizzleStore(database.db, { clock });
  for (let d = 0; d < days; d++) {
    const input: AuditInput = { at: new Date(START.getTime() + d * DAY), actor: 'alice@example.com', action: 'request.created', subject: `request:R-${d}`, details: { day: d } };
    await store.transaction((u) => u.audit.append(input));
  }
  return clock;
}

const seqs = async () => (await database.db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(auditEvents.seq)).map((r) => r.seq);

describe('audit retention', () => {
  it('deletes the rows older than the retention, leaves a checkpoint and an audit.pruned row, and the chain still verifies', async () => {
    const clock = await history(100);
    clock.set(new Date(START.getTime() + 99 * DAY + 3_600_000));
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 100 });

    const result = await pruneAuditTrail(database.db, clock, 40 * DAY);
    // Rows of days 0..59 (seq 1..60) are older than day 99 + 1 h - 40 days; day 60 onward stays.
    expect(result.pruned).toBe(60);
    expect(result.checkpoint?.seq).toBe(60);
    expect(await seqs()).toEqual([...Array.from({ length: 40 }, (_, i) => 61 + i), 101]);
    const [pruned] = await database.db.select().from(auditEvents).where(eq(auditEvents.seq, 101));
    expect(pruned).toMatchObject({ actor: 'system', action: 'audit.pruned', subject: 'audit' });
    expect(pruned!.details).toMatchObject({ throughSeq: 60, throughHash: result.checkpoint!.hash, rows: 60, retentionDays: 40 });
    expect(await new MetaStore(database.db).get(META_AUDIT_CHECKPOINT)).toEqual(result.checkpoint);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 41, prunedThrough: 60 });

    // Appends go on from the chain as it is; a second prune with nothing old enough changes nothing.
    await new DrizzleStore(database.db, { clock }).transaction((u) => u.audit.append({ at: clock.now(), actor: 'bob@example.com', action: 'request.created', subject: 'request:R-x', details: {} }));
    expect(await pruneAuditTrail(database.db, clock, 40 * DAY)).toEqual({ pruned: 0 });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 42, prunedThrough: 60 });
  });

  it('still names an edited row, a deleted row and a forged checkpoint after a prune', async () => {
    const clock = await history(60);
    clock.set(new Date(START.getTime() + 59 * DAY));
    await pruneAuditTrail(database.db, clock, 30 * DAY);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, prunedThrough: 29 });

    await database.db.execute(sql`update audit_events set details = '{"day": 99}'::jsonb where seq = 40`);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: false, seq: 40, problem: 'altered' });
    await database.db.execute(sql`delete from audit_events where seq = 40`);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: false, seq: 40, problem: 'missing' });

    // Deleting the rows up to 45 and moving the checkpoint to match is what hiding them takes; the chain's own audit.pruned row says otherwise.
    const [row45] = await database.db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, 45));
    await database.db.execute(sql`delete from audit_events where seq <= 45`);
    await new MetaStore(database.db).set(META_AUDIT_CHECKPOINT, { seq: 45, hash: row45!.hash });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: false, seq: 45, problem: 'bad_checkpoint' });
  });

  it('never prunes the newest row, so the chain goes on from it', async () => {
    const clock = await history(5);
    clock.set(new Date(START.getTime() + 500 * DAY));
    expect((await pruneAuditTrail(database.db, clock, 30 * DAY)).pruned).toBe(4);
    expect(await seqs()).toEqual([5, 6]);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 2, prunedThrough: 4 });
  });

  it('runs as the daily audit-retention job, and refuses a retention under 30 days', async () => {
    const clock = await history(40);
    clock.set(new Date(START.getTime() + 39 * DAY));
    const schedules = new Schedules({ jobs: [auditRetentionJob(() => pruneAuditTrail(database.db, clock, 30 * DAY))], timezone: 'UTC', logger: { info: () => {}, warn: () => {}, error: () => {} } });
    expect(await schedules.runNow('audit-retention')).toEqual({ prunedAuditRows: 9 });
    await expect(pruneAuditTrail(database.db, clock, MIN_AUDIT_RETENTION_MS - 1)).rejects.toThrow(/minimum of 30 days/);
    expect(parsePimConfig('audit: { retention: 400d }\n', 'pim.config.yaml').audit.retentionMs).toBe(400 * DAY);
    expect(parsePimConfig('{}\n', 'pim.config.yaml').audit.retentionMs).toBe(400 * DAY);
    expect(() => parsePimConfig('audit: { retention: 7d }\n', 'pim.config.yaml')).toThrow(/audit\.retention/);
  });

  noteSkippedWithoutPostgres('two replicas pruning at the same instant');
  it.runIf(onPostgres)('two replicas pruning at the same instant prune once: one audit.pruned row, the chain whole', async () => {
    const clock = await history(80);
    clock.set(new Date(START.getTime() + 79 * DAY));
    const results = await Promise.all([pruneAuditTrail(database.db, clock, 30 * DAY), pruneAuditTrail(database.db, clock, 30 * DAY)]);
    expect(results.map((r) => r.pruned).sort((a, b) => a - b)).toEqual([0, 49]);
    const prunes = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'audit.pruned'));
    expect(prunes).toHaveLength(1);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 32, prunedThrough: 49 });
  });
});
