/**
 * What reaches the bot and what runs: unsigned, tampered and stale requests are refused with 401
 * and change nothing; Slack retries run once; users are resolved by their Slack id, else by the
 * e-mail of their Slack profile, else told to ask a PIM admin.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackSignature, textOf } from '../../support/fake-slack.js';
import { alice, dmsTo, dora, slackSuite, stranger } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const FORM = 'application/x-www-form-urlencoded';

async function auditCount(): Promise<number> {
  const { app } = suite.get();
  return (await app.pim.auditLog(app.pim.actorFor('erin@example.com', 'cli'), { limit: 10_000 })).length;
}

describe('request signatures', () => {
  it('refuses a wrong signature, a tampered body and a stale timestamp with 401, and nothing runs', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const before = await auditCount();
    const { body } = slack.commandBody(alice, 'activate Reader 1h');

    const wrong = await slack.post(body, FORM, { signature: `v0=${'0'.repeat(64)}` });
    expect(wrong.status).toBe(401);

    const now = Math.floor(Date.now() / 1000);
    const tampered = await slack.post(body.replace('Reader', 'Owner'), FORM, { timestamp: now, signature: slackSignature(slack.signingSecret, now, body) });
    expect(tampered.status).toBe(401);

    const stale = await slack.post(body, FORM, { timestamp: now - 6 * 60 }); // correctly signed, 6 minutes old
    expect(stale.status).toBe(401);

    const unsigned = await fetch(slack.eventsUrl, { method: 'POST', headers: { 'content-type': FORM }, body });
    expect(unsigned.status).toBe(401);

    await settled();
    expect(fake.responses).toEqual([]);
    expect(fake.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect((await app.pim.myRoles(actor('alice@example.com'))).filter((r) => r.active)).toEqual([]);
    expect(await auditCount()).toBe(before);
  });

  it('accepts the same request signed correctly within the 5-minute window', async () => {
    const { slack, fake } = suite.get();
    const sent = await slack.command(alice, 'status', { timestamp: Math.floor(Date.now() / 1000) - 4 * 60 });
    expect(sent.status).toBe(200);
    await fake.waitForResponse(sent.responseId);
  });
});

describe('Slack retries', () => {
  it('runs a command retried with x-slack-retry-num once', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const first = await slack.command(alice, 'activate Reader 1h');
    await fake.waitForResponse(first.responseId);

    const retry = await slack.post(first.request, FORM, { retryNum: 1 });
    expect(retry.status).toBe(200);
    const retry2 = await slack.post(first.request, FORM, { retryNum: 2 });
    expect(retry2.status).toBe(200);
    await settled();

    expect(fake.responses.filter((r) => r.id === first.responseId)).toHaveLength(1);
    expect(dmsTo(fake, alice)).toEqual([]);
    const requests = (await app.pim.auditLog(app.pim.actorFor('erin@example.com', 'cli'), {})).filter((e) => e.action === 'request.created');
    expect(requests).toHaveLength(1);
    expect((await app.pim.myRoles(actor('alice@example.com'))).filter((r) => r.active).map((r) => r.role)).toEqual(['Reader']);
  });

  it('runs a retried event once', async () => {
    const { slack, fake, settled } = suite.get();
    const first = await slack.event({ type: 'app_home_opened', user: alice.id, channel: 'D0ALICE', tab: 'home' });
    expect(first.status).toBe(200);
    await fake.waitForCall('views.publish');
    const retry = await slack.event({ type: 'app_home_opened', user: alice.id, channel: 'D0ALICE', tab: 'home' }, { eventId: first.eventId, retryNum: 1 });
    expect(retry.status).toBe(200);
    await settled();
    expect(fake.callsTo('views.publish')).toHaveLength(1);
  });
});

describe('who is asking', () => {
  it('tells a user who is not in the directory to ask a PIM admin, and runs nothing', async () => {
    const { slack, fake, settled } = suite.get();
    fake.setUser(stranger.id, { email: 'nobody@example.com' });
    const before = await auditCount();
    const sent = await slack.command(stranger, 'activate Reader 1h');
    const told = await fake.waitForResponse(sent.responseId);
    expect(told.body.response_type).toBe('ephemeral');
    expect(textOf(told.body.blocks)).toContain('You are not in the PIM directory yet. Ask a PIM admin');
    await settled();
    expect(await auditCount()).toBe(before);
    expect(fake.callsTo('chat.postMessage')).toEqual([]);

    const unknownToSlack = await slack.command({ id: 'U0GHOST' }, 'roles');
    expect(textOf((await fake.waitForResponse(unknownToSlack.responseId)).body.blocks)).toContain('Ask a PIM admin');
  });

  it('finds a user bound by e-mail through users.info, once, and DMs them through users.lookupByEmail', async () => {
    const { slack, fake, settled, app } = suite.get();
    fake.setUser(dora.id, { email: 'Dora@Example.com' });
    const sent = await slack.command(dora, 'activate Reader 30m');
    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks)).toMatch(/\*Reader\* at `\/` is active until/);
    const info = await fake.waitForCall('users.info');
    expect(info.args.user).toBe(dora.id);

    await settled();
    expect(dmsTo(fake, dora)).toEqual([]);
    // Ended from the CLI, the only way she hears is a DM.
    await app.pim.deactivate(app.pim.actorFor('dora@example.com', 'cli'), 'Reader');
    await settled();
    const dm = dmsTo(fake, dora);
    expect(dm).toHaveLength(1);
    expect(textOf(dm[0]?.args.blocks)).toContain('Your *Reader* at `/` was deactivated');

    const again = await slack.command(dora, 'status');
    await fake.waitForResponse(again.responseId);
    expect(fake.callsTo('users.info')).toHaveLength(1); // remembered for a few minutes
  });
});
