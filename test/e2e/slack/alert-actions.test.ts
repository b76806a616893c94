/**
 * "Affected items" and "Start a review" on a security alert card, over the Slack wire protocol:
 * an auditor or admin sees what the alert is about, ephemerally; an admin starts a one-time
 * access review of the role from it and its reviewers get their cards; anyone else is refused,
 * audited, and nothing starts. The alert card itself is left as it is.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_ITEMS, ALERT_REVIEW, DISMISS_ALERT } from '../../../cards/actions.js';
import { buttonsIn, textOf } from '../../support/fake-slack.js';
import { APPROVALS, bob, dave, dmsTo, erin, postedIn, scannedAlertCard, SECURITY, slackSuite } from './harness.js';

// Reader is critical here and has three holders (the limits are 1 and 10 %): one too_many_critical_holders alert.
const CONFIG = `
directory:
  users:
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: dave@example.com, name: Dave, slack: U0DAVE }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
    - { id: frank@example.com, name: Frank, slack: U0FRANK }
admins: [erin@example.com]
auditors: [dave@example.com]
alerts:
  criticalRoles: [Reader]
  tooManyCriticalHolders: { maxHolders: 1, maxPercent: 10 }
  noMfa: { enabled: false }
channels:
  approvals: { slack: ${APPROVALS} }
  security: { slack: ${SECURITY} }
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false, approval: { required: true, approvers: [erin@example.com] } }
bootstrap:
  assignments:
    - { principal: bob@example.com, role: Reader, type: eligible }
    - { principal: frank@example.com, role: Reader, type: eligible }
    - { principal: dave@example.com, role: Reader, type: eligible }
`;

const suite = slackSuite({ config: CONFIG });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const alertCard = () => scannedAlertCard(suite.get());

const reviews = async () => (await suite.get().app.pim.auditLog(suite.get().actor('erin@example.com'), {})).filter((e) => e.action === 'review.started');

describe('an alert card’s Affected items and Start a review in Slack', () => {
  it('shows the buttons; Affected items lists the holders to an auditor, ephemerally, and refuses a holder', async () => {
    const { slack, fake } = suite.get();
    const { card, button, alertId } = await alertCard();
    expect(buttonsIn(card.blocks).map((b) => b.action_id)).toEqual([DISMISS_ALERT, ALERT_REVIEW, ALERT_ITEMS]);

    const press = await slack.press(dave, button(ALERT_ITEMS), { channel: card.channel, ts: card.ts });
    const told = await fake.waitForResponse(press.responseId as string);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const text = textOf(told.body.blocks);
    expect(text).toContain(alertId);
    for (const name of ['Bob', 'Dave', 'Frank']) expect(text).toContain(`*${name}*`);

    const refused = await slack.press(bob, button(ALERT_ITEMS), { channel: card.channel, ts: card.ts });
    expect(textOf((await fake.waitForResponse(refused.responseId as string)).body.blocks)).toContain('Only PIM admins and auditors can read');
  });

  it('starts a review for an admin (its reviewers told by DM), refuses anyone else, and leaves the alert card as it is', async () => {
    const { slack, fake, settled } = suite.get();
    const { card, button } = await alertCard();
    for (const [who, says] of [
      [bob, 'Only PIM admins can do that'],
      [dave, 'As an auditor you can read'],
    ] as const) {
      const press = await slack.press(who, button(ALERT_REVIEW), { channel: card.channel, ts: card.ts });
      expect(textOf((await fake.waitForResponse(press.responseId as string)).body.blocks)).toContain(says);
    }
    expect(await reviews()).toHaveLength(0);

    const press = await slack.press(erin, button(ALERT_REVIEW), { channel: card.channel, ts: card.ts });
    const told = await fake.waitForResponse(press.responseId as string);
    expect(told.body).toMatchObject({ response_type: 'ephemeral' });
    expect(textOf(told.body.blocks)).toMatch(/Started .*access review \(alert A-/);
    expect(textOf(told.body.blocks)).toContain('3 assignments');
    expect(await reviews()).toHaveLength(1);
    await settled();
    // Reader's approver reviews all three holders.
    expect(dmsTo(fake, erin).some((m) => /review/i.test(m.args.text ?? ''))).toBe(true);
    expect(fake.callsTo('chat.update', (c) => c.args.channel === SECURITY)).toEqual([]);
    expect(postedIn(fake, SECURITY)).toHaveLength(1);
  });
});
