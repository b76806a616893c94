/**
 * Identity that cannot be borrowed, over signed Slack requests into the real bot: the e-mail
 * fallback binds only a principal with no Slack id of its own, only with a confirmed e-mail, and
 * only for the workspace(s) the config names; a request from another workspace is refused before
 * any listener runs. Each refusal says what to do, changes nothing, and is audited.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assignments } from '../../../src/db/assignments.sql.js';
import { auditEvents } from '../../../src/db/audit.sql.js';
import { SlackSender, textOf, type SlackUser } from '../../support/fake-slack.js';
import { dora, SIGNING_SECRET, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const mallory: SlackUser = { id: 'U0MALLORY', name: 'mallory' };

const refusals = async () => suite.get().app.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'identity.refused'));
const assignmentCount = async () => (await suite.get().app.database.db.select().from(assignments)).length;

describe('identity binding', () => {
  it('refuses a Slack account whose profile e-mail belongs to a principal bound to another Slack id (an admin), and audits it', async () => {
    const { slack, fake, settled } = suite.get();
    // Erin (admin) is bound to U0ERIN; Mallory puts Erin's address on her own profile.
    fake.setUser(mallory.id, { email: 'erin@example.com' });
    const before = await assignmentCount();
    const sent = await slack.command(mallory, 'assign mallory@example.com Owner --eligible --for 30d');
    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks)).toContain('bound to a different slack account');
    await settled();
    expect(await assignmentCount()).toBe(before);
    const [row] = await refusals();
    expect(row).toMatchObject({ actor: 'slack:U0MALLORY', details: { code: 'identity_bound_elsewhere', email: 'erin@example.com', principal: 'erin@example.com' } });
  });

  it('refuses an unconfirmed profile e-mail, and audits it', async () => {
    const { slack, fake, settled } = suite.get();
    fake.setUser(dora.id, { email: 'dora@example.com', emailConfirmed: false });
    const sent = await slack.command(dora, 'activate Reader 30m');
    expect(textOf((await fake.waitForResponse(sent.responseId)).body.blocks)).toContain('not confirmed');
    await settled();
    expect(await suite.get().app.database.db.select().from(assignments).where(and(eq(assignments.principalId, 'dora@example.com'), eq(assignments.type, 'active')))).toEqual([]);
    expect((await refusals()).map((r) => (r.details as { code: string }).code)).toEqual(['email_unverified']);
  });

  it('refuses every request from a workspace the config does not name, before any listener runs', async () => {
    const { app, fake, settled } = suite.get();
    const elsewhere = new SlackSender(`${app.url}/slack/events`, SIGNING_SECRET, fake, 'T0ELSEWHERE');
    // Alice's own Slack id, but sent from another workspace.
    const sent = await elsewhere.command({ id: 'U0ALICE', name: 'alice' }, 'activate Reader 1h');
    expect(sent.status).toBe(200);
    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks) || String(answer.body.text)).toContain('This pimbot serves workspace T0PIM, not workspace T0ELSEWHERE');
    await settled();
    expect(await suite.get().app.database.db.select().from(assignments).where(and(eq(assignments.principalId, 'alice@example.com'), eq(assignments.type, 'active')))).toEqual([]);
    expect(fake.callsTo('users.info')).toEqual([]);
    const [row] = await refusals();
    expect(row).toMatchObject({ actor: 'slack:U0ALICE', details: { code: 'wrong_workspace', teamId: 'T0ELSEWHERE' } });
  });

  it('still binds a confirmed e-mail of a principal with no Slack id, in the configured workspace', async () => {
    const { slack, fake } = suite.get();
    fake.setUser(dora.id, { email: 'dora@example.com' });
    const sent = await slack.command(dora, 'status');
    expect(textOf((await fake.waitForResponse(sent.responseId)).body.blocks)).not.toContain('Ask a PIM admin');
    expect(await refusals()).toEqual([]);
  });
});
