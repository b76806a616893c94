/**
 * The weekly digest on the real test database: what it counts, who gets it (the PIM admins by
 * DM, the security channel), once per ISO week however often it runs, and the job lock that
 * keeps two replicas from building it at the same moment (PostgreSQL).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DigestView, Notice } from '../../../src/core/index.js';
import { Schedules, digestJob } from '../../../src/jobs/schedules.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase } from '../../support/db.js';
import { channel, DAY, dm, HOUR, PimFixture, PROD } from '../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const digestOf = (n: Notice): DigestView => (n as Extract<Notice, { kind: 'digest' }>).digest;

describe('Pim.sendDigest', () => {
  it('sends the week’s digest to each admin by DM and to the security channel', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    await fx.pim.assign(fx.actor('erin'), { user: 'carol@example.com', role: 'Reader', type: 'eligible', reason: 'auditor' });
    await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: HOUR, reason: 'incident', ticket: 'INC-1' });
    fx.clock.advance(2 * HOUR);

    const res = await fx.pim.sendDigest({ timeZone: 'UTC' });
    expect(res).toMatchObject({ outcome: 'sent', week: '2030-W02' });
    const sent = await fx.messages({ kind: 'digest' });
    expect(sent.map((m) => m.to)).toEqual([dm('erin'), channel('security')]);
    expect(sent.map((m) => m.dedupeKey)).toEqual(['msg:digest:2030-W02:u:erin@example.com:slack', 'msg:digest:2030-W02:c:security:slack']);
    const d = digestOf(sent[0]?.notice as Notice);
    expect(d.activations).toMatchObject({ total: 1, byRole: [{ role: 'Contributor', count: 1 }], topUsers: [{ user: { name: 'Alice' }, count: 1 }] });
    // The bootstrap's six permanent eligible assignments (made at START) and carol's Reader; the
    // activation ended an hour ago.
    expect(d.madePermanent.total).toBe(7);
    expect(d.madePermanent.items.map((a) => a.principal.name)).toContain('Carol');
    expect(d.assignments).toEqual({ eligible: 9, active: 0, activations: 0, permanent: 7 });
    expect(d.pendingRequests.total).toBe(1);
    expect(d.pendingReviews).toBe(0);
    // Alerts are tracked: none scanned yet in this test.
    expect(d.openAlerts).toBe(0);
    expect(await fx.audit({ action: 'digest.sent', subject: 'digest:2030-W02' })).toHaveLength(1);
  });

  it('counts the open security alerts', async () => {
    const scan = await fx.pim.scanAlerts();
    expect(scan.open).toBeGreaterThan(0);
    const out = await fx.pim.sendDigest({ timeZone: 'UTC' });
    if (out.outcome !== 'sent') throw new Error(`expected sent, got ${out.outcome}`);
    expect(out.digest.openAlerts).toBe(scan.open);
  });

  it('lists bob’s Reader eligibility, ending in 10 days, once it is within 7 days', async () => {
    fx.clock.advance(4 * DAY);
    await fx.pim.sendDigest({ timeZone: 'UTC' });
    const [first] = await fx.messages({ kind: 'digest' });
    expect(digestOf(first?.notice as Notice).endingSoon).toMatchObject({ total: 1, items: [{ principal: { name: 'Bob' }, role: 'Reader' }] });
  });

  it('is sent once per week, however often it runs', async () => {
    expect((await fx.pim.sendDigest({ timeZone: 'UTC' })).outcome).toBe('sent');
    fx.clock.advance(HOUR);
    expect(await fx.pim.sendDigest({ timeZone: 'UTC' })).toEqual({ outcome: 'already_sent', week: '2030-W02' });
    fx.clock.advance(2 * DAY);
    expect((await fx.pim.sendDigest({ timeZone: 'UTC' })).outcome).toBe('already_sent');
    expect(await fx.messages({ kind: 'digest' })).toHaveLength(2);
    fx.clock.advance(5 * DAY);
    expect(await fx.pim.sendDigest({ timeZone: 'UTC' })).toMatchObject({ outcome: 'sent', week: '2030-W03' });
    expect(await fx.messages({ kind: 'digest' })).toHaveLength(4);
  });
});

describe('the digest schedule', () => {
  it('runs the digest through the job, and logs a failed run without throwing', async () => {
    const outcomes: string[] = [];
    const schedules = new Schedules({
      jobs: [
        digestJob(fx.pim, { cron: '0 9 * * 1', timeZone: 'UTC' }),
        {
          name: 'broken',
          cron: '0 * * * *',
          run: () => Promise.reject(new Error('boom')),
        },
      ],
      timezone: 'UTC',
      logger: quiet,
      onRun: (name, outcome) => outcomes.push(`${name}:${outcome}`),
    });
    expect(await schedules.runNow('digest')).toEqual({ outcome: 'sent', week: '2030-W02' });
    expect(await schedules.runNow('broken')).toBeUndefined();
    expect(outcomes).toEqual(['digest:ok', 'broken:failed']);
    expect(await fx.messages({ kind: 'digest' })).toHaveLength(2);
  });
});

noteSkippedWithoutPostgres('the digest job lock across transactions');
describe.runIf(onPostgres)('the digest job lock (PostgreSQL)', () => {
  it('while another transaction runs the digest, a second run leaves it alone', async () => {
    let inner: unknown;
    await fx.store.transaction(async (uow) => {
      expect(await uow.locks.tryLock('digest')).toBe(true);
      inner = await fx.pim.sendDigest({ timeZone: 'UTC' });
    });
    expect(inner).toEqual({ outcome: 'locked', week: '2030-W02' });
    expect(await fx.messages({ kind: 'digest' })).toEqual([]);
    // The lock went with that transaction.
    expect((await fx.pim.sendDigest({ timeZone: 'UTC' })).outcome).toBe('sent');
  });

  it('two runs at the same instant send it once', async () => {
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => fx.pim.sendDigest({ timeZone: 'UTC' })));
    expect(outcomes.filter((o) => o.outcome === 'sent')).toHaveLength(1);
    expect(await fx.messages({ kind: 'digest' })).toHaveLength(2);
    expect(await fx.audit({ action: 'digest.sent' })).toHaveLength(1);
  });
});
