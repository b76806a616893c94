/**
 * Security alerts over the Slack wire protocol, with the bot's own scans on (at start and right
 * after changes): the alert cards reach the security channel once each; a break-glass account's
 * activation is posted within seconds; `alerts` lists them for admins and auditors; an admin's
 * `alert dismiss` changes the card in place and anyone else's is refused, audited; when the
 * condition clears, the same card shows it resolved (a chat.update, never a second post).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { textOf, type SlackUser } from '../../support/fake-slack.js';
import { alice, answerOf, bob, postedIn, SECURITY, slackSuite, until } from './harness.js';

const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };
const glass: SlackUser = { id: 'U0GLASS', name: 'glass' };

const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
    - { id: glass@example.com, name: Break Glass, slack: U0GLASS, breakGlass: true }
admins: [erin@example.com]
auditors: [bob@example.com]
slack: { teamIds: [T0PIM] }
channels:
  security: { slack: ${SECURITY} }
alerts:
  tooManyCriticalHolders: { enabled: false }
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false, requireMfa: true }
  - name: Contributor
    scopes: [/subscriptions/dev]
    policy: { requireJustification: false, maxActivation: 1h }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Reader, type: eligible }
    - { principal: glass@example.com, role: Contributor, type: eligible }
`;

const suite = slackSuite({ config: CONFIG, alertScans: true });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const command = (who: SlackUser, text: string): Promise<string> => answerOf(suite.get(), who, text);

const alertCards = () => postedIn(suite.get().fake, SECURITY).filter((m) => /alert A-/.test(m.text));
const idIn = (text: string) => /A-[0-9A-Z]{7}/.exec(text)?.[0] ?? '';

describe('security alerts in Slack', () => {
  it('posts the start scan’s alert to the security channel once; admins and auditors list it', async () => {
    // Contributor can be activated without MFA; Reader cannot.
    const [card] = await until('the no-MFA card', () => (alertCards().length === 1 ? alertCards() : undefined));
    expect(card!.text).toContain('Contributor can be activated without MFA');
    await suite.get().settled();
    await suite.get().app.pim.scanAlerts();
    await suite.get().settled();
    expect(alertCards()).toHaveLength(1);
    const listed = await command(erin, 'alerts');
    expect(listed).toContain(idIn(card!.text));
    expect(listed).toContain('Roles assigned outside PIM are not checked');
    expect(await command(bob, 'alerts')).toContain('Contributor can be activated without MFA');
    expect(await command(alice, 'alerts')).toContain('Only PIM admins and auditors can read the audit trail and alerts');
  });

  it('posts a break-glass activation as critical within seconds, and shows it resolved on the same card when it ends', async () => {
    await until('the start scan', () => alertCards().length === 1);
    const t0 = Date.now();
    expect(await command(glass, 'activate Contributor 1h')).toContain('Contributor');
    const glassCard = await until('the break-glass card', () => alertCards().find((m) => m.text.includes('Break-glass account')));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(textOf(glassCard.blocks)).toContain('🔴 Critical');
    const posts = suite.get().fake.callsTo('chat.postMessage', (c) => c.args.channel === SECURITY).length;
    expect(await command(glass, 'deactivate Contributor')).toContain('Contributor');
    const resolved = await until('the card resolved', () => {
      const m = alertCards().find((x) => x.ts === glassCard.ts);
      return m && m.updates > 0 && textOf(m.blocks).includes('Resolved') ? m : undefined;
    });
    expect(textOf(resolved.blocks)).not.toContain('What to do');
    expect(suite.get().fake.callsTo('chat.postMessage', (c) => c.args.channel === SECURITY).length).toBe(posts);
  });

  it('lets an admin dismiss an alert, which changes its card in place; anyone else is refused, audited, and nothing changes', async () => {
    const [card] = await until('the no-MFA card', () => (alertCards().length === 1 ? alertCards() : undefined));
    const id = idIn(card!.text);
    expect(await command(bob, `alert dismiss ${id} --reason "looks fine"`)).toContain('As an auditor you can read');
    expect(await command(alice, `alert dismiss ${id} --reason "looks fine"`)).toContain('Only PIM admins can do that');
    expect(alertCards()[0]!.updates).toBe(0);
    expect(await command(erin, `alert dismiss ${id}`)).toContain('alert dismiss needs a reason');
    expect(await command(erin, `alert dismiss ${id} --reason "Contributor on dev needs no MFA"`)).toMatch(new RegExp(`Alert .?${id}.? .*is dismissed`));
    const updated = await until('the card dismissed', () => (alertCards()[0]!.updates > 0 ? alertCards()[0] : undefined));
    expect(textOf(updated!.blocks)).toMatch(/Dismissed by \*?Erin/);
    expect(textOf(updated!.blocks)).toContain('Contributor on dev needs no MFA');
    const audit = await suite.get().app.pim.auditLog(suite.get().actor('erin@example.com'), {});
    expect(audit.filter((e) => e.action === 'refused.alert-dismiss').map((e) => e.actor).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(audit.filter((e) => e.action === 'alert.dismissed')).toHaveLength(1);
    expect(await command(erin, `alert dismiss ${id} --reason "again"`)).toContain('is already dismissed');
  });
});
