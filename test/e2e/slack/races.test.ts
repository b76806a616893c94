/**
 * One user, many concurrent `/pim activate` for one role, as signed Slack requests into the real
 * bot (on PostgreSQL they run side by side on the Slack work thread's connections): exactly one
 * activation, or one pending request with one approval card, and every other command answered as
 * a sequential repeat would be.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assignments } from '../../../src/db/assignments.sql.js';
import { requests } from '../../../src/db/requests.sql.js';
import { textOf } from '../../support/fake-slack.js';
import { alice, APPROVALS, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const N = 20;

async function burst(text: string): Promise<string[]> {
  const { slack, fake } = suite.get();
  const sent = await Promise.all(Array.from({ length: N }, () => slack.command(alice, text)));
  expect(sent.map((s) => s.status)).toEqual(Array.from({ length: N }, () => 200));
  const answers = await Promise.all(sent.map((s) => fake.waitForResponse(s.responseId, () => true, { timeoutMs: 20_000 })));
  return answers.map((a) => textOf(a.body.blocks) || String(a.body.text ?? ''));
}

describe(`${N} concurrent activations of one role by one user`, () => {
  it('make one activation; the others are told it is already active', async () => {
    const { app, settled } = suite.get();
    const answers = await burst('activate Reader 1h');
    await settled(20_000);

    const open = await app.database.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.principalId, 'alice@example.com'), eq(assignments.role, 'Reader'), eq(assignments.type, 'active'), isNull(assignments.endedAt)));
    expect(open).toHaveLength(1);
    expect(answers.filter((t) => /is active until/.test(t))).toHaveLength(1);
    expect(answers.filter((t) => /already active for you until/.test(t))).toHaveLength(N - 1);
    // And the holder can deactivate it: there is one scope to deactivate, not several.
    const { slack, fake } = suite.get();
    const off = await slack.command(alice, 'deactivate Reader');
    expect(textOf((await fake.waitForResponse(off.responseId)).body.blocks)).toMatch(/deactivated|no longer active/i);
  }, 60_000);

  it('make one pending request with one approval card on a role that needs approval', async () => {
    const { app, fake, settled } = suite.get();
    const answers = await burst('activate Owner 1h --reason "incident 7"');
    await settled(20_000);

    const pending = await app.database.db.select().from(requests).where(and(eq(requests.principalId, 'alice@example.com'), eq(requests.role, 'Owner')));
    expect(pending).toHaveLength(1);
    expect(pending[0]?.state).toBe('pending_approval');
    const id = pending[0]?.id as string;
    expect(answers.filter((t) => t.includes(`You already have request ${id}`))).toHaveLength(N - 1);
    const cards = fake.callsTo('chat.postMessage', (c) => c.args.channel === APPROVALS);
    expect(cards).toHaveLength(1);
    expect(textOf(cards[0]?.args.blocks)).toContain(id);
  }, 60_000);
});
