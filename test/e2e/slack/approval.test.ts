/**
 * Approval over the Slack wire protocol: the request card in the approvers' channel, Approve and
 * Deny (with a reason in a modal) by an approver, refusals for the requester and non-approvers,
 * and user text escaped on its way into the channel.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE, CANCEL, DENY, DENY_REASON, DENY_VIEW } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { buttonsIn, textOf, type RenderedButton } from '../../support/fake-slack.js';
import { alice, APPROVALS, bob, carol, dmsTo, postedIn, slackSuite } from './harness.js';
import type { SlackUser } from '../../support/fake-slack.js';

// On the main thread even on PostgreSQL (the other files run on the work thread there).
const suite = slackSuite({ workThread: 'off' });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

/** `/pim activate Owner …` by `who`; resolves with the request card posted to the approvers' channel. */
async function requestOwner(who: SlackUser, extra = '--reason "deploy hotfix"') {
  const { slack, fake, settled } = suite.get();
  const sent = await slack.command(who, `activate Owner 1h ${extra}`);
  const answer = await fake.waitForResponse(sent.responseId);
  await fake.waitForCall('chat.postMessage', (c) => c.args.channel === APPROVALS);
  await settled();
  const [card] = postedIn(fake, APPROVALS);
  if (!card) throw new Error('no card in the approvals channel');
  const button = (id: string): RenderedButton => {
    const b = buttonsIn(card.blocks).find((x) => x.action_id === id);
    if (!b) throw new Error(`no ${id} button on the card`);
    return b;
  };
  const requestId = /Request\*\n(R-[A-Z0-9]+)/.exec(textOf(card.blocks))?.[1] ?? '';
  return { sent, answer, card, approve: button(APPROVE), deny: button(DENY), requestId };
}

const stateOf = async (requestId: string) => (await suite.get().app.pim.getRequest(requestId))?.state;

describe('an activation that needs approval', () => {
  it('posts a request card with Approve and Deny and tells the requester it waits', async () => {
    const { fake } = suite.get();
    const { answer, card, requestId } = await requestOwner(alice, '--reason "deploy hotfix <!channel> <@U0BOB> <https://evil.example|click me>"');
    expect(textOf(answer.body.blocks)).toMatch(/Request `R-[A-Z0-9]+` for \*Owner\* at `\/subscriptions\/prod` \(1h\) is waiting for approval/);
    expect(textOf(answer.body.blocks)).toContain('Approvers: Carol');

    const text = textOf(card.blocks);
    expect(text).toContain('*Alice* asks to activate *Owner* at `/subscriptions/prod` for *1h*');
    expect(text).toContain(requestId);
    expect(buttonsIn(card.blocks).map((b) => b.action_id)).toEqual([APPROVE, DENY]);
    expect(checkBlockKitLimits(card)).toEqual([]);
    // What Alice typed is shown as text: no @channel, no mention, no link.
    expect(text).toContain('deploy hotfix &lt;!channel&gt; &lt;@U0BOB&gt; &lt;https://evil.example|click me&gt;');
    expect(JSON.stringify(card.blocks)).not.toMatch(/<!channel>|<@U0BOB>|<https:/);
    expect(card.text).not.toMatch(/[<>]/);

    // The answer to the command is Alice's message about the request: no DM repeats it.
    expect(buttonsIn(answer.body.blocks).map((b) => b.action_id)).toEqual([CANCEL]);
    expect(dmsTo(fake, alice)).toEqual([]);
  });

  it('is approved by an approver: the card is updated in place without buttons, and the requester is DM’d once', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const { sent, card, approve, requestId } = await requestOwner(alice);

    const press = await slack.press(carol, approve, { channel: card.channel, ts: card.ts });
    expect(press.status).toBe(200);
    expect(press.body).toBe('');

    const update = await fake.waitForCall('chat.update', (c) => c.args.channel === APPROVALS && c.args.ts === card.ts);
    expect(textOf(update.args.blocks)).toMatch(/✅ Approved by \*Carol\* at \d\d:\d\d UTC/);
    expect(buttonsIn(update.args.blocks)).toEqual([]);
    expect(checkBlockKitLimits(update.args)).toEqual([]);

    const decided = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === alice.id && /approved your request/.test(textOf(c.args.blocks)));
    expect(textOf(decided.args.blocks)).toMatch(/\*Carol\* approved your request `R-[A-Z0-9]+` for \*Owner\*/);
    await settled();
    expect(await stateOf(requestId)).toBe('active');
    expect((await app.pim.myRoles(actor('alice@example.com'))).find((r) => r.role === 'Owner')?.active).not.toBeNull();
    expect(fake.responses.filter((r) => r.id === press.responseId)).toEqual([]);
    // The answer to Alice's command is replaced in place: what became of it, and no live Cancel button.
    const replaced = await fake.waitForResponse(sent.responseId, (b) => b.replace_original === true);
    expect(textOf(replaced.body.blocks)).toMatch(/Your request `R-[A-Z0-9]+` for \*Owner\*[\s\S]*✅ Approved by \*Carol\*[\s\S]*🟢 Active until/);
    expect(buttonsIn(replaced.body.blocks)).toEqual([]);
    // One new message for Alice: the decision (no "waiting" DM, no "activated" DM on top).
    expect(dmsTo(fake, alice).map((c) => textOf(c.args.blocks))).toEqual([expect.stringMatching(/approved your request[\s\S]*It is active until/)]);

    // A second press shows the request's current state and changes nothing.
    const again = await slack.press(carol, approve, { channel: card.channel, ts: card.ts });
    const told = await fake.waitForResponse(again.responseId as string);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(told.body.blocks)).toContain(`Request ${requestId} is already active (by Carol). Nothing was changed.`);
  });

  it('is denied with a reason given in the deny modal', async () => {
    const { slack, fake, settled } = suite.get();
    const { card, deny, requestId } = await requestOwner(alice);

    const press = await slack.press(carol, deny, { channel: card.channel, ts: card.ts });
    const open = await fake.waitForCall('views.open');
    expect(open.args.trigger_id).toBe(press.triggerId);
    expect(open.args.view.callback_id).toBe(DENY_VIEW);
    expect(checkBlockKitLimits(open.args.view)).toEqual([]);
    expect(await stateOf(requestId)).toBe('pending_approval');

    const blank = await slack.submit(carol, open.args.view, { [DENY_REASON]: '  ' });
    expect(JSON.parse(blank.body)).toEqual({ response_action: 'errors', errors: { [DENY_REASON]: expect.stringContaining('needs a reason') } });
    expect(await stateOf(requestId)).toBe('pending_approval');

    const submitted = await slack.submit(carol, open.args.view, { [DENY_REASON]: 'not during the <b>freeze</b>' });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');

    const update = await fake.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    const text = textOf(update.args.blocks);
    expect(text).toMatch(/❌ Denied by \*Carol\*/);
    expect(text).toContain('not during the &lt;b&gt;freeze&lt;/b&gt;');
    expect(buttonsIn(update.args.blocks)).toEqual([]);
    const dm = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === alice.id && /denied your request/.test(textOf(c.args.blocks)));
    expect(textOf(dm.args.blocks)).toContain('not during the &lt;b&gt;freeze&lt;/b&gt;');
    await settled();
    expect(await stateOf(requestId)).toBe('denied');
  });

  it('refuses self-approval ephemerally and leaves the request and the card as they were', async () => {
    const { slack, fake, settled } = suite.get();
    const { card, approve, deny, requestId } = await requestOwner(carol);

    const press = await slack.press(carol, approve, { channel: card.channel, ts: card.ts });
    const told = await fake.waitForResponse(press.responseId as string);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(told.body.blocks)).toContain('You cannot approve or deny your own request');

    const denyPress = await slack.press(carol, deny, { channel: card.channel, ts: card.ts });
    const toldDeny = await fake.waitForResponse(denyPress.responseId as string);
    expect(textOf(toldDeny.body.blocks)).toContain('You cannot approve or deny your own request');

    await settled();
    expect(await stateOf(requestId)).toBe('pending_approval');
    expect(fake.callsTo('chat.update')).toEqual([]);
    expect(fake.callsTo('views.open')).toEqual([]);
  });

  it('refuses a non-approver ephemerally and changes nothing', async () => {
    const { slack, fake, settled, app } = suite.get();
    const { card, approve, deny, requestId } = await requestOwner(alice);

    const press = await slack.press(bob, approve, { channel: card.channel, ts: card.ts });
    const told = await fake.waitForResponse(press.responseId as string);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(told.body.blocks)).toContain('You are not an approver for Owner. Nothing was changed.');

    const denyPress = await slack.press(bob, deny, { channel: card.channel, ts: card.ts });
    await fake.waitForResponse(denyPress.responseId as string);

    await settled();
    expect(await stateOf(requestId)).toBe('pending_approval');
    expect(fake.callsTo('chat.update')).toEqual([]);
    expect(fake.callsTo('views.open')).toEqual([]);
    const refusals = await app.pim.auditLog(app.pim.actorFor('erin@example.com', 'cli'), {});
    expect(refusals.filter((e) => e.action === 'refused.approve' && e.actor === 'bob@example.com')).toHaveLength(1);
  });
});
