/**
 * `audit verify` over the Slack wire protocol (signed slash commands): an auditor hears the chain
 * is whole, then the first bad row after a direct UPDATE or DELETE; anyone else is refused, audited.
 * The daily job posts the chain's head to the security channel.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DrizzleStore } from '../../../src/db/store.js';
import { textOf, type SlackUser } from '../../support/fake-slack.js';
import { answerOf, APPROVALS, bob, postedIn, SECURITY, slackSuite } from './harness.js';

const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };
const dave: SlackUser = { id: 'U0DAVE', name: 'dave' };

const CONFIG = `
directory:
  users:
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: dave@example.com, name: Dave, slack: U0DAVE }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
admins: [erin@example.com]
auditors: [dave@example.com]
channels:
  approvals: { slack: ${APPROVALS} }
  security: { slack: ${SECURITY} }
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false }
bootstrap:
  assignments:
    - { principal: bob@example.com, role: Reader, type: eligible }
`;

const suite = slackSuite({ config: CONFIG });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const command = (who: SlackUser, text: string): Promise<string> => answerOf(suite.get(), who, text);

const execute = (q: ReturnType<typeof sql>) => suite.get().app.database.db.execute(q);

describe('audit verify in Slack', () => {
  it('tells an auditor the chain is whole, with its length', async () => {
    await command(bob, 'activate Reader 1h');
    const answer = await command(dave, 'audit verify');
    expect(answer).toMatch(/Audit chain OK.*: \d+ events, each unaltered and linked to the one before\./);
  });

  it('names the row a direct UPDATE altered', async () => {
    await command(bob, 'activate Reader 1h');
    await execute(sql`update audit_events set details = '{}'::jsonb where seq = 2`);
    const answer = await command(erin, 'audit verify');
    expect(answer).toContain('Broken at event #2');
    expect(answer).toContain('event #2 was altered');
  });

  it('names the row a direct DELETE removed', async () => {
    await command(bob, 'activate Reader 1h');
    await execute(sql`delete from audit_events where seq = 1`);
    expect(await command(dave, 'audit verify')).toContain('event #1 is missing: it was deleted.');
  });

  it('is refused to anyone else, audited', async () => {
    expect(await command(bob, 'audit verify')).toContain('Only PIM admins and auditors');
    const trail = await suite.get().app.pim.auditLog(suite.get().actor('erin@example.com'), {});
    expect(trail.filter((e) => e.actor === 'bob@example.com').map((e) => e.action)).toEqual(['refused.audit-verify']);
  });

  it('is listed in an auditor’s help', async () => {
    expect(await command(dave, 'help')).toContain('audit verify');
  });
});

describe('the daily audit head', () => {
  it('is posted to the security channel once, with the newest event’s number and hash', async () => {
    const { app, fake, settled } = suite.get();
    const [head] = await app.pim.auditLog(suite.get().actor('erin@example.com'), { limit: 1 });
    expect(await app.schedules.runNow('audit-head')).toMatchObject({ outcome: 'posted', seq: head?.seq, hash: head?.hash });
    expect(await app.schedules.runNow('audit-head')).toMatchObject({ outcome: 'already_posted' });
    await settled();
    const posts = postedIn(fake, SECURITY);
    expect(posts).toHaveLength(1);
    const shown = textOf(posts[0]?.blocks ?? []);
    expect(shown).toContain(`#${head?.seq}`);
    expect(shown).toContain(head?.hash);
  });
});

describe('the audit page', () => {
  it('shows the newest 25 events and says how many older rows it leaves out', async () => {
    const { app } = suite.get();
    // Thirty events straight into the chain, as a busy week would leave them.
    const store = new DrizzleStore(app.database.db, { clock: app.clock });
    for (let k = 0; k < 30; k++) {
      await store.transaction((u) => u.audit.append({ at: app.clock.now(), actor: 'bob@example.com', action: 'request.created', subject: `request:R-${k}`, details: { principal: 'bob@example.com' } }));
    }
    const total = (await app.pim.auditLog(suite.get().actor('erin@example.com'), { limit: 1000 })).length;
    expect(total).toBeGreaterThan(25);
    const page = await command(dave, 'audit');
    expect(page).toContain(`${total - 25} older rows: use \`--since\` or \`--csv\`.`);
    expect(page.match(/#\d+/g)).toHaveLength(25);
  });

  it('says nothing of older rows when every event fits', async () => {
    expect(await command(dave, 'audit')).not.toContain('older row');
  });
});
