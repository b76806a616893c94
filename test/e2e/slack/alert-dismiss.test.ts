/**
 * The Dismiss button of a security alert card, over the Slack wire protocol: an admin's press
 * opens the reason modal and its submit dismisses the alert, updating the card in place; anyone
 * else is refused ephemerally with a sentence, audited, and nothing changes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DISMISS_ALERT, DISMISS_ALERT_VIEW, DISMISS_REASON } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { buttonsIn, textOf, type RenderedButton, type SlackUser } from '../../support/fake-slack.js';
import { APPROVALS, bob, postedIn, scannedAlertCard, SECURITY, slackSuite } from './harness.js';

const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };
const dave: SlackUser = { id: 'U0DAVE', name: 'dave' };

// Reader can be activated without MFA: the no_mfa rule raises one alert for it.
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
`;

const suite = slackSuite({ config: CONFIG });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

/** Scans, and returns the alert's card in the security channel with its Dismiss button. */
async function alertCard(): Promise<{ card: { channel: string; ts: string; blocks: any[] }; dismiss: RenderedButton; alertId: string }> {
  const { card, button, alertId } = await scannedAlertCard(suite.get());
  return { card, dismiss: button(DISMISS_ALERT), alertId };
}

const stateOf = async (id: string) => (await suite.get().app.pim.alerts(suite.get().actor('erin@example.com'))).find((a) => a.id === id)?.state ?? 'not open';
const refusals = async () => (await suite.get().app.pim.auditLog(suite.get().actor('erin@example.com'), {})).filter((e) => e.action === 'refused.alert-dismiss');

describe('Dismiss on an alert card in Slack', () => {
  it('opens the reason modal for an admin; its submit dismisses and updates the card in place', async () => {
    const { slack, fake, settled } = suite.get();
    const { card, dismiss, alertId } = await alertCard();
    expect(dismiss.value).toBe(JSON.stringify({ alertId }));

    const press = await slack.press(erin, dismiss, { channel: card.channel, ts: card.ts });
    const open = await fake.waitForCall('views.open');
    expect(open.args.trigger_id).toBe(press.triggerId);
    expect(open.args.view.callback_id).toBe(DISMISS_ALERT_VIEW);
    expect(checkBlockKitLimits(open.args.view)).toEqual([]);
    expect(await stateOf(alertId)).toBe('open');

    const blank = await slack.submit(erin, open.args.view, { [DISMISS_REASON]: '  ' });
    expect(JSON.parse(blank.body)).toEqual({ response_action: 'errors', errors: { [DISMISS_REASON]: expect.stringContaining('reason') } });
    expect(await stateOf(alertId)).toBe('open');

    const submitted = await slack.submit(erin, open.args.view, { [DISMISS_REASON]: 'Reader is read-only <!channel>' });
    expect(submitted.status).toBe(200);
    const update = await fake.waitForCall('chat.update', (c) => c.args.channel === SECURITY && c.args.ts === card.ts);
    const text = textOf(update.args.blocks);
    expect(text).toContain('Dismissed by *Erin*');
    expect(text).toContain('Reader is read-only &lt;!channel&gt;');
    expect(buttonsIn(update.args.blocks)).toEqual([]);
    await settled();
    expect(postedIn(fake, SECURITY)).toHaveLength(1);
    expect(await stateOf(alertId)).toBe('not open');
  });

  it('refuses anyone but an admin with a sentence, audited, and nothing changes', async () => {
    const { slack, fake, settled } = suite.get();
    const { card, dismiss, alertId } = await alertCard();
    for (const who of [bob, dave]) {
      const press = await slack.press(who, dismiss, { channel: card.channel, ts: card.ts });
      const told = await fake.waitForResponse(press.responseId as string);
      expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(textOf(told.body.blocks)).toMatch(/PIM admin/);
    }
    await settled();
    expect(fake.callsTo('views.open')).toEqual([]);
    expect(fake.callsTo('chat.update')).toEqual([]);
    expect(await stateOf(alertId)).toBe('open');
    expect((await refusals()).map((e) => [e.actor, e.details.code])).toEqual(
      expect.arrayContaining([
        ['bob@example.com', 'not_admin'],
        ['dave@example.com', 'auditor_read_only'],
      ]),
    );
  });
});
