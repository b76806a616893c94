/**
 * Admins and auditors as configured, over the Slack wire protocol: an admin's assign and remove
 * need a reason and tell the user by DM; an auditor reads the audit trail and alerts and is
 * refused everything else, audited.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { textOf, type SlackUser } from '../../support/fake-slack.js';
import { answerOf, APPROVALS, bob, dmsTo, slackSuite } from './harness.js';

const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };
const dave: SlackUser = { id: 'U0DAVE', name: 'dave' };
const frank: SlackUser = { id: 'U0FRANK', name: 'frank' };

const CONFIG = `
directory:
  users:
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: dave@example.com, name: Dave, slack: U0DAVE }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
    - { id: frank@example.com, name: Frank, slack: U0FRANK }
  groups:
    - { id: audit-team, members: [dave@example.com] }
admins: [erin@example.com]
auditors: [group:audit-team]
channels:
  approvals: { slack: ${APPROVALS} }
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false }
bootstrap:
  assignments:
    - { principal: frank@example.com, role: Reader, type: eligible }
`;

const suite = slackSuite({ config: CONFIG });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const command = (who: SlackUser, text: string): Promise<string> => answerOf(suite.get(), who, text);

const audit = () => suite.get().app.pim.auditLog(suite.get().actor('erin@example.com'), {});
const assignmentsOf = async (principalId: string) => (await suite.get().app.pim.myRoles(suite.get().actor(principalId))).filter((r) => r.eligible || r.active);

describe('an admin’s assign and remove', () => {
  it('assign without a reason is refused, audited, and nobody is told', async () => {
    const answer = await command(erin, 'assign bob@example.com Reader --for 30d');
    expect(answer).toContain('assign needs a reason: add --reason "why"');
    expect(answer).toContain('Bob is told it');
    expect(await assignmentsOf('bob@example.com')).toEqual([]);
    expect(dmsTo(suite.get().fake, bob)).toEqual([]);
    expect((await audit()).filter((e) => e.action === 'refused.assign').map((e) => e.details.code)).toEqual(['reason_required']);
  });

  it('assign with a reason makes the assignment and tells the user by DM, with the reason', async () => {
    const { fake } = suite.get();
    expect(await command(erin, 'assign bob@example.com Reader --for 30d --reason "joins the on-call rota"')).toMatch(/\*Bob\* is now eligible for \*Reader\* at `\/`/);
    expect(await assignmentsOf('bob@example.com')).toHaveLength(1);
    const [dm] = dmsTo(fake, bob);
    expect(textOf(dm?.args.blocks ?? [])).toMatch(/\*Erin\* made you eligible for \*Reader\* at `\/`/);
    expect(textOf(dm?.args.blocks ?? [])).toContain('Activate it when you need it');
    expect(textOf(dm?.args.blocks ?? [])).not.toContain('Bob');
    expect(textOf(dm?.args.blocks ?? [])).toContain('joins the on-call rota');
  });

  it('names who was typed when nobody in the directory is called that, never blaming the admin', async () => {
    for (const text of ['assign zed Reader --for 30d --reason "on call"', 'remove zed Reader --reason "left"', 'audit --user zed']) {
      const answer = await command(erin, text);
      expect(answer).toContain('No one called `zed` — use an id or e-mail such as zed@example.com');
      expect(answer).not.toContain('You are not in the PIM directory');
    }
  });

  it('takes a unique display name or e-mail local part for the user', async () => {
    expect(await command(erin, 'assign Bob Reader --for 30d --reason "on call"')).toMatch(/\*Bob\* is now eligible for \*Reader\*/);
    expect(await command(erin, 'remove bob Reader --reason "rota ended"')).toContain('Bob');
    expect(await assignmentsOf('bob@example.com')).toEqual([]);
  });

  it('remove without a reason is refused; with one it ends the assignment and tells the user why', async () => {
    const { fake } = suite.get();
    expect(await command(erin, 'remove frank@example.com Reader')).toContain('remove needs a reason');
    expect(await assignmentsOf('frank@example.com')).toHaveLength(1);
    expect(await command(erin, 'remove frank@example.com Reader --reason "left the team"')).toContain('Removed from *Frank*');
    expect(await assignmentsOf('frank@example.com')).toEqual([]);
    const [dm] = dmsTo(fake, frank);
    expect(textOf(dm?.args.blocks ?? [])).toMatch(/\*Erin\* removed your eligible assignment of \*Reader\*/);
    expect(textOf(dm?.args.blocks ?? [])).toContain('left the team');
  });
});

describe('an auditor', () => {
  it('reads the audit trail, its CSV export and alerts', async () => {
    await command(erin, 'assign bob@example.com Reader --for 30d --reason "joins the on-call rota"');
    const trail = await command(dave, 'audit');
    expect(trail).toContain('Audit trail');
    expect(trail).toContain('assignment.created');
    expect(await command(dave, 'audit --csv')).toContain('is in your DM with pimbot');
    const [file] = [...suite.get().fake.files.values()];
    expect(file?.channel).toBe('D0DAVE');
    expect(file?.content).toContain('seq,at,actor,action,subject,details');
    expect(file?.content).toContain('joins the on-call rota');
    expect(await command(dave, 'alerts')).toContain('No open security alerts');
    const help = await command(dave, 'help');
    expect(help).toContain('audit [--user');
    expect(help).not.toContain('assign &lt;user&gt;');
  });

  it('is refused assign and remove with a sentence that says why, audited, and nothing changes', async () => {
    const said = 'As an auditor you can read the audit trail (`audit`, `audit --csv`) and alerts, but not change access. Ask a PIM admin to do that.';
    expect(await command(dave, 'assign bob@example.com Reader --for 30d --reason "just looking"')).toContain(said);
    expect(await command(dave, 'remove frank@example.com Reader --reason "just looking"')).toContain(said);
    expect(await command(dave, 'review start Reader --reviewers approvers')).toContain(said);
    expect(await assignmentsOf('bob@example.com')).toEqual([]);
    expect(await assignmentsOf('frank@example.com')).toHaveLength(1);
    const refused = (await audit()).filter((e) => e.action.startsWith('refused.'));
    expect(refused.map((e) => [e.action, e.actor, e.details.code, e.details.platform])).toEqual(
      expect.arrayContaining([
        ['refused.assign', 'dave@example.com', 'auditor_read_only', 'slack'],
        ['refused.remove', 'dave@example.com', 'auditor_read_only', 'slack'],
        ['refused.review-start', 'dave@example.com', 'auditor_read_only', 'slack'],
      ]),
    );
  });

  it('is the only non-admin who reads the audit trail: anyone else is refused, audited', async () => {
    expect(await command(bob, 'audit')).toContain('Only PIM admins and auditors can read the audit trail and alerts.');
    expect(await command(bob, 'alerts')).toContain('Only PIM admins and auditors');
    expect((await audit()).filter((e) => e.actor === 'bob@example.com').map((e) => e.action).sort()).toEqual(['refused.alerts', 'refused.audit']);
  });
});
