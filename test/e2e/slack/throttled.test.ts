/**
 * Slack throttling the bot for a while, not for a call or two: every chat.postMessage in a time
 * window answers HTTP 429 with Retry-After, however often it is retried. The real adapter, paced
 * by the shared limiter, and the real dispatcher wait it out: nine queued messages, two of
 * them approval cards, each arrive exactly once after the window, none is dead-lettered, and the
 * rate limits cost no attempt.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../src/db/audit.sql.js';
import { outbox } from '../../../src/db/outbox.sql.js';
import { noteSkippedWithoutPostgres, onPostgres } from '../../support/db.js';
import { monotonicNow, type SlackCall, type SlackUser } from '../../support/fake-slack.js';
import { alice, APPROVALS, bob, carol, dora, slackSuite } from './harness.js';

const suite = slackSuite({ pacer: true });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };

/**
 * Commands whose notices are 9 distinct Slack messages: 2 approval cards and 7 DMs (an admin's
 * assignments). Activating and deactivating from chat add none: the answer is the message.
 */
const COMMANDS: [SlackUser, string][] = [
  [alice, 'activate Owner 1h --reason "deploy hotfix"'], // card
  [alice, 'activate Reader 1h'],
  [alice, 'deactivate Reader'],
  [erin, 'assign bob@example.com Reader --reason "on call"'],
  [erin, 'assign carol@example.com Contributor --reason "on call"'],
  [erin, 'assign dora@example.com Contributor --reason "on call"'], // DM'd by e-mail lookup
  [erin, 'assign bob@example.com Contributor --reason "on call"'],
  [erin, 'assign dora@example.com Owner --reason "on call"'],
  [erin, 'assign bob@example.com Owner --reason "on call"'],
  [erin, 'assign carol@example.com Reader --reason "on call"'],
  [dora, 'activate Reader 1h'],
  [carol, 'activate Owner 1h --reason "rotate keys"'], // card
];
const MESSAGES = 9;
/** Where they go: the cards to the approvals channel, the DMs to each user's id. */
const PER_CHANNEL = { [APPROVALS]: 2, [bob.id]: 3, [carol.id]: 2, [dora.id]: 2 };

function countBy(calls: SlackCall[], of: (c: SlackCall) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls) counts[of(c)] = (counts[of(c)] ?? 0) + 1;
  return counts;
}

/** Throttles chat.postMessage for `windowMs`, runs the commands, and checks each message arrived once, after the window. */
async function deliversEachOnceThrough(windowMs: number, retryAfterSec: number): Promise<void> {
  const { app, slack, fake, settled } = suite.get();
  fake.setUser(dora.id, { email: 'dora@example.com' });
  fake.rateLimitFor('chat.postMessage', windowMs, retryAfterSec);
  const windowEnds = monotonicNow() + windowMs;
  for (const [user, text] of COMMANDS) {
    const sent = await slack.command(user, text);
    await fake.waitForResponse(sent.responseId); // answering the command does not wait for the outbox
  }
  await settled(windowMs + 30_000);

  const posts = fake.callsMade('chat.postMessage');
  const delivered = posts.filter((c) => c.ok);
  const channel = (c: SlackCall) => String(c.args.channel);
  // Slack refused them all, and the bot kept trying (paced) to the end of the window.
  const refused = posts.filter((c) => c.status === 429);
  expect(refused.length).toBeGreaterThanOrEqual(MESSAGES);
  expect(Object.keys(countBy(refused, channel)).sort()).toEqual(Object.keys(PER_CHANNEL).sort());
  expect(Math.max(...refused.map((c) => c.at))).toBeGreaterThanOrEqual(windowEnds - 1_000 * retryAfterSec - 500);
  // Each message exactly once (texts differ), and only once the window was over. (A text can
  // change between tries: "until 14:22 (in 1h)" becomes "(in 59m)"; the counts do not.)
  expect(delivered).toHaveLength(MESSAGES);
  expect(countBy(delivered, channel)).toEqual(PER_CHANNEL);
  expect(new Set(delivered.map((c) => `${channel(c)}|${String(c.args.text)}`)).size).toBe(MESSAGES);
  expect(delivered.every((c) => c.at >= windowEnds)).toBe(true);

  // The outbox agrees: 9 message rows, all delivered, none dead, the waits cost no attempt.
  const rows = (await app.database.db.select().from(outbox)).filter((r) => r.payload.type === 'message');
  expect(rows).toHaveLength(MESSAGES);
  expect(rows.every((r) => r.deliveredAt !== null && r.deadAt === null)).toBe(true);
  expect(rows.map((r) => r.attempts)).toEqual(rows.map(() => 1));
  const failures = (await app.database.db.select().from(auditEvents)).filter((e) => e.action === 'delivery.failed');
  expect(failures).toEqual([]);
}

describe('Slack throttling chat.postMessage for a while', () => {
  it('answering 429 with Retry-After 1 s for 10 s: 9 queued messages each arrive once, none dead-lettered', async () => {
    await deliversEachOnceThrough(10_000, 1);
  }, 60_000);

  noteSkippedWithoutPostgres('a 60 s window of 429s (about 65 s long)');
  it.runIf(onPostgres)('answering 429 with Retry-After 1 s for 60 s, longer than a claim\'s lease: still each once, none dead-lettered', async () => {
    await deliversEachOnceThrough(60_000, 1);
  }, 120_000);
});
