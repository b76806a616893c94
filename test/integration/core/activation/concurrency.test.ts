/**
 * Races that only a real PostgreSQL can stage (PGlite is one connection): twenty approvers
 * pressing at once, twenty replicas running the deadline loop at once.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Assignment, isPimError } from '../../../../src/core/index.js';
import { verifyAuditChain } from '../../../../src/db/audit-verify.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase } from '../../../support/db.js';
import { dm, extraUser, HOUR, MIN, PimFixture, START } from '../../../support/pim.js';

const USERS = 50;
const RACERS = 20;

noteSkippedWithoutPostgres('core concurrency (concurrent approvals, concurrent deadline loops)');

describe.runIf(onPostgres)('concurrency on PostgreSQL', () => {
  let fx: PimFixture;
  beforeAll(async () => {
    fx = new PimFixture(await testDatabase({ maxConnections: 25 }), { extraUsers: USERS });
  });
  afterAll(() => fx?.close());
  beforeEach(async () => {
    await fx.reset();
    // Open the pool's connections now, so the racers below start together instead of one
    // finishing while the others are still connecting.
    await Promise.all(Array.from({ length: 24 }, () => fx.db.execute(sql`select pg_sleep(0.05)`)));
  });

  it(`${RACERS} concurrent approvals of one request: one wins, the rest are already_decided`, async () => {
    const res = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-1' });
    fx.clock.advance(MIN);
    const approvers = [fx.actor('carol'), fx.actor('erin')];
    const results = await Promise.allSettled(Array.from({ length: RACERS }, (_, i) => fx.pim.approve(approvers[i % 2]!, res.request.id)));

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(RACERS - 1);
    for (const l of lost) {
      expect(isPimError(l.reason), String(l.reason)).toBe(true);
      expect(l.reason.code).toBe('already_decided');
    }

    expect((await fx.request(res.request.id)).state).toBe('active');
    expect(await fx.activeAssignments('alice@example.com')).toHaveLength(1);
    expect(await fx.audit({ action: 'request.approved' })).toHaveLength(1);
    expect(await fx.audit({ action: 'activation.started' })).toHaveLength(1);
    expect(await fx.audit({ action: 'refused.approve' })).toHaveLength(RACERS - 1);
    // One update per message to change (the approvers' card, the requester's waiting DM), not one per racer.
    expect((await fx.outbox()).filter((r) => r.payload.type === 'update').map((r) => r.payload.type === 'update' && r.payload.subject).sort()).toEqual([`pending:${res.request.id}`, `request:${res.request.id}`]);
    expect((await verifyAuditChain(fx.db)).ok).toBe(true);
  });

  /** Every extra user activates Reader for an hour; the clock then moves past the end. */
  async function fiftyExpiredActivations(): Promise<Assignment[]> {
    for (let i = 1; i <= USERS; i++) {
      await fx.pim.activate(fx.actor(extraUser(i)), { role: 'Reader', durationMs: HOUR });
    }
    const active = await fx.assignments({ type: 'active' });
    expect(active).toHaveLength(USERS);
    fx.clock.set(new Date(START.getTime() + HOUR + MIN));
    return active;
  }

  async function expectEachExpiredOnce(active: Assignment[]): Promise<void> {
    const expiredRows = await fx.audit({ action: 'activation.expired' });
    expect(expiredRows).toHaveLength(USERS);
    expect(new Set(expiredRows.map((e) => e.subject)).size).toBe(USERS);
    for (const a of active) {
      expect(expiredRows.filter((e) => e.subject === `assignment:${a.id}`)).toHaveLength(1);
      expect(await fx.messages({ to: dm(a.principalId), kind: 'activation_ended' })).toHaveLength(1);
      const now = await fx.assignment(a.id);
      expect(now.endReason).toBe('expired');
      expect((await fx.request(a.requestId as string)).state).toBe('expired');
    }
    expect(await fx.messages({ kind: 'activation_ended' })).toHaveLength(USERS);
    expect((await verifyAuditChain(fx.db)).ok).toBe(true);
  }

  it(`${RACERS} concurrent deadline loops expire ${USERS} activations each exactly once`, async () => {
    const active = await fiftyExpiredActivations();
    const counts = await Promise.all(Array.from({ length: RACERS }, () => fx.pim.processDeadlines()));
    expect(counts.reduce((n, c) => n + c.expired, 0)).toBe(USERS);
    await expectEachExpiredOnce(active);
  });

  it(`${RACERS} concurrent deadline loops claiming small batches expire each exactly once`, async () => {
    const active = await fiftyExpiredActivations();
    const counts = await Promise.all(Array.from({ length: RACERS }, () => fx.pim.processDeadlines(3)));
    expect(counts.reduce((n, c) => n + c.expired, 0)).toBe(USERS);
    await expectEachExpiredOnce(active);
  });
});
