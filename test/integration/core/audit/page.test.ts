/** `audit` in chat reads a page: the newest events and how many match in all, filters included. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { expectPimError, HOUR, PimFixture } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(async () => {
  await fx.reset();
  for (let k = 0; k < 3; k++) {
    await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: '/subscriptions/prod', durationMs: HOUR, reason: `deploy ${k}` });
    await fx.pim.deactivate(fx.actor('alice'), 'Contributor', '/subscriptions/prod');
  }
});

describe('auditPage', () => {
  it('gives the newest events and the total that matched', async () => {
    const all = await fx.audit();
    const page = await fx.pim.auditPage(fx.actor('dave'), { limit: 4 });
    expect(page.total).toBe(all.length);
    expect(page.events.map((e) => e.seq)).toEqual(all.slice(-4).reverse().map((e) => e.seq));
  });

  it('counts within the filter', async () => {
    const alices = (await fx.audit()).filter((e) => e.details.principal === 'alice@example.com');
    const page = await fx.pim.auditPage(fx.actor('erin'), { user: 'alice@example.com', role: 'Contributor', limit: 2 });
    expect(page.total).toBe(alices.filter((e) => e.details.role === 'Contributor').length);
    expect(page.events).toHaveLength(2);
  });

  it('is refused to anyone but admins and auditors', async () => {
    await expectPimError(fx.pim.auditPage(fx.actor('alice'), {}), 'not_auditor');
  });
});
