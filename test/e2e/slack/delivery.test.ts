/**
 * Delivery through the outbox to the Slack Web API: when Slack rate-limits (HTTP 429 with
 * Retry-After), the dispatcher waits as told and every message still arrives exactly once; card
 * updates reach every copy.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE } from '../../../cards/actions.js';
import { buttonsIn, textOf, type SlackCall } from '../../support/fake-slack.js';
import { alice, APPROVALS, carol, postedIn, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

describe('Slack rate limiting', () => {
  it('retries after Retry-After and delivers every message exactly once', async () => {
    const { slack, fake, settled } = suite.get();
    fake.rateLimit('chat.postMessage', 2, 1);
    const sent = await slack.command(alice, 'activate Owner 1h --reason "deploy hotfix"');
    await fake.waitForResponse(sent.responseId); // the answer to the command does not wait for the outbox
    await settled(15_000);

    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    const limited = posts.filter((c) => c.status === 429);
    expect(limited).toHaveLength(2);
    const delivered = posts.filter((c) => c.ok);
    const key = (c: SlackCall) => `${String(c.args.channel)}|${String(c.args.text)}`;
    expect(new Set(delivered.map(key)).size).toBe(delivered.length); // none twice
    // The approval card; the requester's message is the command's answer, not a DM.
    expect(delivered.map((c) => c.args.channel)).toEqual([APPROVALS]);
    // Each rate-limited message went out again only after the second Slack asked for.
    for (const l of limited) {
      const later = delivered.find((d) => d.args.channel === l.args.channel);
      expect(later).toBeDefined();
      expect((later as SlackCall).at - l.at).toBeGreaterThanOrEqual(900);
    }

    // The card's reference was saved on the successful post, so the decision updates it.
    const [card] = postedIn(fake, APPROVALS);
    if (!card) throw new Error('no card');
    fake.rateLimit('chat.update', 1, 1);
    const approve = buttonsIn(card.blocks).find((b) => b.action_id === APPROVE);
    if (!approve) throw new Error('no Approve button');
    await slack.press(carol, approve, { channel: card.channel, ts: card.ts });
    await settled(15_000);
    expect(fake.calls.filter((c) => c.method === 'chat.update' && c.status === 429)).toHaveLength(1);
    // Each message updated once: the card, and (through its response URL) the requester's answer.
    expect(fake.callsTo('chat.update').map((c) => c.args.channel)).toEqual([APPROVALS]);
    expect(fake.responses.filter((r) => r.id === sent.responseId && r.body.replace_original === true)).toHaveLength(1);
    expect(card.updates).toBe(1);
    expect(textOf(card.blocks)).toMatch(/Approved by \*Carol\*/);
  });
});
