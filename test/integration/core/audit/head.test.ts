/**
 * The daily post of the audit chain's head: the newest row's sequence and hash to the security
 * channel, once a day however many replicas run it, again the next day; audited.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDay } from '../../../../src/core/audit/index.js';
import { testDatabase } from '../../../support/db.js';
import { channel, HOUR, PimFixture } from '../../../support/pim.js';

const TZ = 'Europe/Paris';
let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase({ maxConnections: 4 }));
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const posts = () => fx.messages({ kind: 'audit_head', to: channel('security') });

describe('the audit chain head, daily', () => {
  it('posts the newest row’s sequence and hash to the security channel, and audits the post', async () => {
    const [head] = (await fx.audit()).slice(-1);
    const res = await fx.pim.postAuditHead({ timeZone: TZ });
    expect(res).toEqual({ outcome: 'posted', day: localDay(fx.clock.now(), TZ), seq: head?.seq, hash: head?.hash });
    const [post] = await posts();
    expect(post?.notice).toEqual({ kind: 'audit_head', day: res.day, seq: head?.seq, hash: head?.hash, at: fx.clock.now().toISOString() });
    expect(await fx.audit({ action: 'audit.head_posted' })).toEqual([expect.objectContaining({ actor: 'system', subject: `audit-head:${res.day}`, details: { day: res.day, seq: head?.seq, hash: head?.hash } })]);
  });

  it('posts once a day however many replicas run it at once', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => fx.pim.postAuditHead({ timeZone: TZ })));
    expect(runs.filter((r) => r.outcome === 'posted')).toHaveLength(1);
    expect(await fx.pim.postAuditHead({ timeZone: TZ })).toMatchObject({ outcome: 'already_posted' });
    expect(await posts()).toHaveLength(1);
  });

  it('posts again the next day, with the head that now includes the day before’s post', async () => {
    await fx.pim.postAuditHead({ timeZone: TZ });
    fx.clock.advance(24 * HOUR);
    const next = await fx.pim.postAuditHead({ timeZone: TZ });
    const posted = (await fx.audit({ action: 'audit.head_posted' }))[0];
    expect(next).toMatchObject({ outcome: 'posted', seq: posted?.seq, hash: posted?.hash });
    expect(await posts()).toHaveLength(2);
  });

  it('counts the day in the bot’s time zone', () => {
    expect(localDay(new Date('2030-01-06T23:30:00Z'), 'Europe/Paris')).toBe('2030-01-07');
    expect(localDay(new Date('2030-01-06T23:30:00Z'), 'UTC')).toBe('2030-01-06');
  });
});
