/**
 * `audit verify` through the core (Pim.verifyAudit): OK on an untouched trail, the first bad row
 * named after a direct UPDATE or DELETE, still OK after a retention prune; admins and auditors only.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pruneAuditTrail } from '../../../../src/db/audit-retention.js';
import { testDatabase } from '../../../support/db.js';
import { expectPimError, HOUR, PimFixture } from '../../../support/pim.js';

const DAY = 24 * HOUR;

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(async () => {
  await fx.reset();
  // Two activations a day apart, so a prune has old rows to drop.
  await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: '/subscriptions/prod', durationMs: HOUR, reason: 'deploy' });
  fx.clock.advance(2 * HOUR);
  await fx.pim.processDeadlines();
});

const rows = async () => (await fx.audit()).length;

describe('audit verify', () => {
  it('is OK on an untouched trail, counting every row', async () => {
    expect(await fx.pim.verifyAudit(fx.actor('erin'))).toEqual({ ok: true, count: await rows() });
  });

  it('is open to auditors too', async () => {
    expect(await fx.pim.verifyAudit(fx.actor('dave'))).toMatchObject({ ok: true });
  });

  it('names the first row changed by a direct UPDATE', async () => {
    await fx.db.execute(sql`update audit_events set actor = 'mallory@example.com' where seq = 2`);
    await fx.db.execute(sql`update audit_events set actor = 'mallory@example.com' where seq = 3`);
    expect(await fx.pim.verifyAudit(fx.actor('erin'))).toEqual({ ok: false, seq: 2, problem: 'altered' });
  });

  it('names the first row removed by a direct DELETE', async () => {
    await fx.db.execute(sql`delete from audit_events where seq = 3`);
    expect(await fx.pim.verifyAudit(fx.actor('dave'))).toEqual({ ok: false, seq: 3, problem: 'missing' });
  });

  it('stays OK after a retention prune, counting from the checkpoint', async () => {
    const before = await rows();
    fx.clock.advance(40 * DAY);
    await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: '/subscriptions/prod', durationMs: HOUR, reason: 'later deploy' });
    const pruned = await pruneAuditTrail(fx.db, fx.clock, 30 * DAY);
    expect(pruned.pruned).toBe(before);
    const verdict = await fx.pim.verifyAudit(fx.actor('erin'));
    expect(verdict).toEqual({ ok: true, count: await rows(), prunedThrough: before });
  });

  it('refuses anyone else, audited, and verifies nothing', async () => {
    await expectPimError(fx.pim.verifyAudit(fx.actor('alice')), 'not_auditor');
    expect(await fx.auditActions()).toContain('refused.audit-verify');
  });
});
