/**
 * The inbox through the real Slack adapter: an acked request is kept (with its body, under its
 * dedupe key) until it is handled; a replica finishes what a dead one acked, running it once if
 * its change never committed and only telling its user if it did. "Dead" here is a node id that
 * holds no node lock (src/db/nodes.ts), which is exactly what a process killed with SIGKILL leaves.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WENT_THROUGH_MESSAGE } from '../../../adapters/slack/index.js';
import { assignments } from '../../../src/db/assignments.sql.js';
import { dedupeKeys } from '../../../src/db/system.sql.js';
import { textOf } from '../../support/fake-slack.js';
import { alice, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

/** A node id nobody holds: the replica that had it is gone. */
const DEAD_NODE = 424242;

const inboxRow = async (key: string) => {
  const [row] = await suite.get().app.database.db.select().from(dedupeKeys).where(eq(dedupeKeys.key, key));
  return row;
};

const openReader = async () =>
  suite
    .get()
    .app.database.db.select()
    .from(assignments)
    .where(and(eq(assignments.principalId, 'alice@example.com'), eq(assignments.role, 'Reader'), eq(assignments.type, 'active'), isNull(assignments.endedAt)));

/** Writes a slash command into the inbox as a replica that acked it and then died would have left it. */
async function leftByDeadReplica(text: string, state: { ran?: boolean; node?: number; ageMs?: number } = {}) {
  const { app, slack } = suite.get();
  const c = slack.commandBody(alice, text);
  const body = Object.fromEntries(new URLSearchParams(c.body));
  const key = `slack:command:${c.triggerId}`;
  const now = app.clock.now();
  await app.database.db.insert(dedupeKeys).values({
    key,
    createdAt: new Date(now.getTime() - (state.ageMs ?? 0)),
    body: { body },
    claimedBy: state.node ?? DEAD_NODE,
    attempts: 1,
    ranAt: state.ran ? now : null,
  });
  return { key, responseId: c.responseId };
}

describe('the inbox', () => {
  it('keeps an acked command until it is handled, records that it ran in the same commit, then marks it done', async () => {
    const { slack, fake, settled } = suite.get();
    const sent = await slack.command(alice, 'activate Reader 1h');
    expect(sent.status).toBe(200);
    await fake.waitForResponse(sent.responseId);
    await settled();
    const row = await inboxRow(`slack:command:${sent.triggerId}`);
    expect(row?.body?.body).toMatchObject({ command: '/pim', text: 'activate Reader 1h', user_id: alice.id });
    expect(row?.ranAt).toBeInstanceOf(Date);
    expect(row?.doneAt).toBeInstanceOf(Date);
  });

  it('a read-only command is done without being marked as run', async () => {
    const { slack, fake, settled } = suite.get();
    const sent = await slack.command(alice, 'status');
    await fake.waitForResponse(sent.responseId);
    await settled();
    const row = await inboxRow(`slack:command:${sent.triggerId}`);
    expect(row).toMatchObject({ ranAt: null });
    expect(row?.doneAt).toBeInstanceOf(Date);
  });

  it('acks a repeat of an acked command and drops it: one activation, one answer', async () => {
    const { slack, fake, settled } = suite.get();
    const first = await slack.command(alice, 'activate Reader 1h', { triggerId: 'T-repeat.1' });
    const again = await slack.command(alice, 'activate Reader 1h', { triggerId: 'T-repeat.1' });
    expect([first.status, again.status]).toEqual([200, 200]);
    await settled();
    expect(await openReader()).toHaveLength(1);
    expect(fake.responses.filter((r) => r.id === first.responseId)).toHaveLength(1);
    expect(fake.responses.filter((r) => r.id === again.responseId)).toHaveLength(0);
  });
});

describe('taking over what a dead replica acked', () => {
  it('runs a command whose change never committed once, and answers its user once', async () => {
    const { fake, settled } = suite.get();
    const left = await leftByDeadReplica('activate Reader 1h');
    const answer = await fake.waitForResponse(left.responseId, () => true, { timeoutMs: 10_000 });
    await settled();
    expect(textOf(answer.body.blocks)).toMatch(/is active until/);
    expect(await openReader()).toHaveLength(1);
    expect(fake.responses.filter((r) => r.id === left.responseId)).toHaveLength(1);
    expect((await inboxRow(left.key))?.doneAt).toBeInstanceOf(Date);
  });

  it('does not run again a command whose change committed: its user is told it went through', async () => {
    const { fake, settled } = suite.get();
    const left = await leftByDeadReplica('activate Reader 1h', { ran: true });
    const answer = await fake.waitForResponse(left.responseId, () => true, { timeoutMs: 10_000 });
    await settled();
    expect(textOf(answer.body.blocks) || String(answer.body.text)).toContain(WENT_THROUGH_MESSAGE.slice(0, 40));
    // The fixture made no change, and the takeover made none either.
    expect(await openReader()).toHaveLength(0);
    expect(fake.responses.filter((r) => r.id === left.responseId)).toHaveLength(1);
  });

  it('leaves a live replica\'s request alone, and takes it the moment that replica is gone', async () => {
    const { app, fake, settled } = suite.get();
    const live = await app.database.joinAsNode();
    let left: { key: string; responseId: string };
    try {
      left = await leftByDeadReplica('activate Reader 1h', { node: live.id });
      await new Promise((r) => setTimeout(r, 2_500));
      expect(fake.responses.filter((r) => r.id === left.responseId)).toHaveLength(0);
      expect((await inboxRow(left.key))?.doneAt).toBeNull();
    } finally {
      await live.close();
    }
    await fake.waitForResponse(left.responseId, () => true, { timeoutMs: 10_000 });
    await settled();
    expect(await openReader()).toHaveLength(1);
  });

  it('drops, without running it, a request older than its response URL (30 minutes)', async () => {
    const { settled } = suite.get();
    const left = await leftByDeadReplica('activate Reader 1h', { ageMs: 31 * 60_000 });
    const deadline = Date.now() + 10_000;
    while (!(await inboxRow(left.key))?.doneAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await settled();
    expect((await inboxRow(left.key))?.doneAt).toBeInstanceOf(Date);
    expect(await openReader()).toHaveLength(0);
    expect(suite.get().fake.responses.filter((r) => r.id === left.responseId)).toHaveLength(0);
  });
});
