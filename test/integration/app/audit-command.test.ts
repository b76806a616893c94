/** `audit` in chat: the newest rows, and how many older ones matched and were left out. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../adapters/shared/commands.js';
import { testDatabase } from '../../support/db.js';
import { HOUR, PimFixture, PROD } from '../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

describe('audit', () => {
  it('lists the newest 25 events and says how many older ones were left out', async () => {
    for (let k = 0; k < 12; k++) {
      await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: `round ${k}` });
      await fx.pim.deactivate(fx.actor('alice'), 'Contributor', PROD);
    }
    const all = await fx.pim.auditLog(fx.actor('erin'), { limit: 10_000 });
    expect(all.length).toBeGreaterThan(25);
    const out = await runCommand(fx.pim, fx.actor('erin'), 'audit');
    if (out.type !== 'reply' || out.reply.kind !== 'audit') throw new Error(`expected the audit list, got ${JSON.stringify(out)}`);
    expect(out.reply.rows).toHaveLength(25);
    expect(out.reply.rows[0]?.seq).toBe(all[0]?.seq);
    expect(out.reply.older).toBe(all.length - 25);
  });

  it('says nothing was left out when every event fits', async () => {
    const out = await runCommand(fx.pim, fx.actor('erin'), 'audit --since 1m');
    if (out.type !== 'reply' || out.reply.kind !== 'audit') throw new Error('expected the audit list');
    expect(out.reply.older ?? 0).toBe(0);
  });
});
