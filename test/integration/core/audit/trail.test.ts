/** The audit trail a real flow writes is a hash chain that verifies, and tampering is caught. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditHash } from '../../../../src/db/audit-hash.js';
import { verifyAuditChain } from '../../../../src/db/audit-verify.js';
import { testDatabase } from '../../../support/db.js';
import { expectPimError, HOUR, MIN, PimFixture, PROD } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(async () => {
  await fx.reset();
  await flow();
});

/** Bootstrap, a refused approval, an approved activation that expires, an immediate activation deactivated. */
async function flow(): Promise<void> {
  const req = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-7' });
  await expectPimError(fx.pim.approve(fx.actor('bob'), req.request.id), 'not_approver');
  fx.clock.advance(MIN);
  await fx.pim.approve(fx.actor('carol'), req.request.id);
  await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
  fx.clock.advance(10 * MIN);
  await fx.pim.deactivate(fx.actor('alice'), 'Contributor');
  fx.clock.advance(HOUR);
  await fx.pim.processDeadlines();
}

const count = async () => (await fx.audit()).length;

describe('audit trail of a flow', () => {
  it('verifies whole, every row accounted for', async () => {
    const n = await count();
    expect(n).toBeGreaterThan(10);
    expect(await verifyAuditChain(fx.db)).toEqual({ ok: true, count: n });
    expect(await fx.auditActions()).toEqual(
      expect.arrayContaining(['assignment.created', 'request.created', 'refused.approve', 'request.approved', 'activation.started', 'activation.deactivated', 'activation.expired']),
    );
  });

  it('is numbered 1..n with each row pointing at the hash of the one before', async () => {
    const rows = await fx.audit();
    rows.forEach((e, i) => {
      expect(e.seq).toBe(i + 1);
      if (i > 0) expect(e.prevHash).toBe(rows[i - 1]?.hash);
    });
  });

  it('detects a row whose details were altered, at that row', async () => {
    const target = (await fx.audit({ action: 'request.approved' }))[0];
    expect(target).toBeDefined();
    const seq = target?.seq as number;
    await fx.db.execute(sql`update audit_events set details = jsonb_set(details, '{principal}', '"mallory@example.com"') where seq = ${seq}`);
    expect(await verifyAuditChain(fx.db)).toEqual({ ok: false, seq, problem: 'altered' });
  });

  it('detects an altered actor', async () => {
    await fx.db.execute(sql`update audit_events set actor = 'erin@example.com' where seq = 3`);
    expect(await verifyAuditChain(fx.db)).toEqual({ ok: false, seq: 3, problem: 'altered' });
  });

  it('detects a row rewritten with a fresh hash, at the next row', async () => {
    const row = (await fx.audit())[4];
    expect(row).toBeDefined();
    if (!row) return;
    const details = { ...row.details, reason: 'nothing to see' };
    const hash = auditHash({ ...row, details });
    await fx.db.execute(sql`update audit_events set details = ${JSON.stringify(details)}::jsonb, hash = ${hash} where seq = ${row.seq}`);
    expect(await verifyAuditChain(fx.db)).toEqual({ ok: false, seq: row.seq + 1, problem: 'broken_link' });
  });

  it('detects a deleted row, at its sequence number', async () => {
    await fx.db.execute(sql`delete from audit_events where seq = 4`);
    expect(await verifyAuditChain(fx.db)).toEqual({ ok: false, seq: 4, problem: 'missing' });
  });

  it('detects the first row deleted', async () => {
    await fx.db.execute(sql`delete from audit_events where seq = 1`);
    expect(await verifyAuditChain(fx.db)).toEqual({ ok: false, seq: 1, problem: 'missing' });
  });

  it('keeps verifying after more work is appended', async () => {
    await fx.pim.activate(fx.actor('bob'), { role: 'Reader' });
    expect((await verifyAuditChain(fx.db)).ok).toBe(true);
  });
});
