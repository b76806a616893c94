/**
 * An access review over the Slack wire protocol: an admin starts a self-review of a role, each
 * holder gets one DM card with Keep and Remove per item, a member keeps one assignment and removes
 * another from the card (updated in place), a press by someone else changes nothing, and at the
 * end the removed assignment is gone and the summary reaches the security channel.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REVIEW_ACCEPT_ALL, REVIEW_KEEP, REVIEW_REMOVE } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { buttonsIn, eventually, textOf, type RenderedButton, type SlackUser } from '../../support/fake-slack.js';
import { alice, bob, dmsTo, postedIn, SECURITY, slackSuite } from './harness.js';

const erin: SlackUser = { id: 'U0ERIN', name: 'erin' };
const DEV = '/subscriptions/dev';

/** Reader at two scopes, so one self-review gives Alice two items. */
const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
admins: [erin@example.com]
slack: { teamIds: [T0PIM] }
channels:
  security: { slack: ${SECURITY} }
roles:
  - name: Reader
    scopes: [/, ${DEV}]
    policy: { requireJustification: false, maxActivation: 8h }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Reader, scope: /, type: eligible }
    - { principal: alice@example.com, role: Reader, scope: ${DEV}, type: eligible }
    - { principal: bob@example.com, role: Reader, scope: /, type: eligible }
`;

const suite = slackSuite({ config: CONFIG });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

/** The item block of a scope on a review card, and its Keep and Remove buttons. */
function itemButtons(blocks: any[], scope: string): { keep: RenderedButton; remove: RenderedButton } {
  const at = blocks.findIndex((b) => b.type === 'section' && JSON.stringify(b).includes(`\`${scope}\``));
  const row = blocks.slice(at).find((b) => b.type === 'actions' || b.accessory);
  const buttons = buttonsIn(row ? [row] : []);
  const keep = buttons.find((b) => b.action_id === REVIEW_KEEP);
  const remove = buttons.find((b) => b.action_id === REVIEW_REMOVE);
  if (!keep || !remove) throw new Error(`no Keep and Remove for ${scope}`);
  return { keep, remove };
}

const assignmentsOf = async (principalId: string) =>
  (await suite.get().app.pim.myRoles(suite.get().actor(principalId))).map((r) => r.scope).sort();

describe('a self-review of a role', () => {
  it('is decided from the DM card, refuses a non-reviewer, and at its end removes what was removed', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const sent = await slack.command(erin, 'review start Reader --reviewers self --duration 7d --name "Reader check"');
    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks)).toMatch(/Started \*Reader check\* \(`V-[A-Z0-9]+`\)/);
    const reviewId = /`(V-[A-Z0-9]+)`/.exec(textOf(answer.body.blocks))?.[1] ?? '';
    await settled();

    const [card] = dmsTo(fake, alice);
    expect(dmsTo(fake, alice)).toHaveLength(1);
    expect(dmsTo(fake, bob)).toHaveLength(1);
    const cardText = textOf(card?.args.blocks);
    expect(cardText).toContain('Do you still need *Reader* at `/`?');
    expect(cardText).toContain(`Do you still need *Reader* at \`${DEV}\`?`);
    expect(checkBlockKitLimits(card?.args)).toEqual([]);
    const [posted] = postedIn(fake, 'D0ALICE');
    if (!posted) throw new Error('no card in Alice’s DM');
    const where = { channel: posted.channel, ts: posted.ts };

    // Bob is no reviewer of Alice's items: his press is refused and changes nothing.
    const root = itemButtons(posted.blocks, '/');
    const refused = await slack.press(bob, root.remove, where);
    const told = await fake.waitForResponse(refused.responseId as string);
    expect(textOf(told.body.blocks)).toContain('You are not a reviewer of this item');
    await settled();
    expect(fake.callsTo('chat.update')).toEqual([]);
    const log = await app.pim.auditLog(actor('erin@example.com'), {});
    expect(log.filter((e) => e.action === 'refused.review-decide' && e.actor === 'bob@example.com')).toHaveLength(1);

    // Alice keeps / and removes /subscriptions/dev; her card follows.
    await slack.press(alice, root.keep, where);
    await settled();
    const dev = itemButtons(fake.message(posted.channel, posted.ts)?.blocks ?? [], DEV);
    await slack.press(alice, dev.remove, where);
    await settled();
    await eventually(async () => /🗑️ Removed by \*Alice\*/.test(textOf(fake.message(posted.channel, posted.ts)?.blocks ?? [])), 'the card to show the removal');
    const now = textOf(fake.message(posted.channel, posted.ts)?.blocks ?? []);
    expect(now).toMatch(/✅ Kept by \*Alice\*/);
    expect(fake.message(posted.channel, posted.ts)?.updates).toBeGreaterThanOrEqual(2);

    // The admin ends and applies it.
    const stop = await slack.command(erin, `review stop ${reviewId}`);
    expect(textOf((await fake.waitForResponse(stop.responseId)).body.blocks)).toContain('has ended');
    await settled();
    const apply = await slack.command(erin, `review apply ${reviewId}`);
    expect(textOf((await fake.waitForResponse(apply.responseId)).body.blocks)).toContain('has ended and been applied');
    await settled();

    expect(await assignmentsOf('alice@example.com')).toEqual(['/']);
    expect(await assignmentsOf('bob@example.com')).toEqual(['/']);
    const removal = dmsTo(fake, alice).map((c) => textOf(c.args.blocks)).find((t) => t.includes(DEV) && /remov/i.test(t));
    expect(removal).toBeDefined();
    const summaries = postedIn(fake, SECURITY).map((m) => textOf(m.blocks));
    expect(summaries.some((t) => t.includes('Access review applied') && /Kept\*?\s*\n?1/.test(t.replace(/\*/g, '')))).toBe(true);
    expect(textOf(fake.message(posted.channel, posted.ts)?.blocks ?? [])).toContain('decisions are final');
    expect(buttonsIn(fake.message(posted.channel, posted.ts)?.blocks ?? [])).toEqual([]);

    // A press after the end is refused.
    const late = await slack.press(alice, root.remove, where);
    expect(textOf((await fake.waitForResponse(late.responseId as string)).body.blocks)).toContain('has ended');
  });

  it('reviews lists what waits for the caller, and review results exports every item', async () => {
    const { slack, fake, settled } = suite.get();
    const sent = await slack.command(erin, 'review start Reader --reviewers self');
    const reviewId = /`(V-[A-Z0-9]+)`/.exec(textOf((await fake.waitForResponse(sent.responseId)).body.blocks))?.[1] ?? '';
    await settled();
    const mine = await slack.command(alice, 'reviews');
    const listed = textOf((await fake.waitForResponse(mine.responseId)).body.blocks);
    expect(listed).toContain('Reader access review');
    expect(listed).toContain('2 of 2 items to decide');
    const before = fake.callsTo('views.publish', (c) => c.args.user_id === alice.id).length;
    await slack.event({ type: 'app_home_opened', user: alice.id, channel: 'D0ALICE', tab: 'home' });
    await fake.waitForCall('views.publish', (c) => c.args.user_id === alice.id && fake.callsTo('views.publish', (x) => x.args.user_id === alice.id).length > before);
    expect(textOf(fake.homes.get(alice.id)?.blocks ?? [])).toContain('2 review items waiting for you');
    const none = await slack.command(erin, 'reviews');
    expect(textOf((await fake.waitForResponse(none.responseId)).body.blocks)).toContain('No access reviews wait for you.');
    // Alice's two items both carry a recommendation: one press takes them.
    const [card] = postedIn(fake, 'D0ALICE');
    const acceptAll = buttonsIn(card?.blocks ?? []).find((b) => b.action_id === REVIEW_ACCEPT_ALL);
    if (!card || !acceptAll) throw new Error('no Accept all recommendations on Alice’s card');
    expect(buttonsIn(postedIn(fake, 'D0BOB')[0]?.blocks ?? []).map((b) => b.action_id)).not.toContain(REVIEW_ACCEPT_ALL);
    await slack.press(alice, acceptAll, { channel: card.channel, ts: card.ts });
    await settled();
    await eventually(async () => (textOf(fake.message(card.channel, card.ts)?.blocks ?? []).match(/🗑️ Removed by \*Alice\*/g) ?? []).length === 2, 'both items taken as recommended');
    const refused = await slack.command(alice, `review results ${reviewId}`);
    expect(textOf((await fake.waitForResponse(refused.responseId)).body.blocks)).toContain('Only PIM admins and auditors');
    const results = await slack.command(erin, `review results ${reviewId}`);
    expect(textOf((await fake.waitForResponse(results.responseId)).body.blocks)).toContain('Not reviewed');
  });
});

describe('a review that requires a reason', () => {
  it('puts a Reason field under each item; Keep without one is refused and changes nothing, with one it decides and shows the reason', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const sent = await slack.command(erin, 'review start Reader --scope / --reviewers self --require-reason');
    const review = { id: /`(V-[A-Z0-9]+)`/.exec(textOf((await fake.waitForResponse(sent.responseId)).body.blocks))?.[1] ?? '' };
    await settled();
    const [posted] = postedIn(fake, 'D0ALICE');
    if (!posted) throw new Error('no card in Alice’s DM');
    const inputs = posted.blocks.filter((b) => b.type === 'input');
    expect(inputs).toHaveLength(1);
    const field = inputs[0].block_id as string;
    expect(field).toMatch(/^pim_review_reason:/);
    expect(checkBlockKitLimits({ text: posted.text || 'x', blocks: posted.blocks })).toEqual([]);
    const where = { channel: posted.channel, ts: posted.ts };
    const { keep } = itemButtons(posted.blocks, '/');

    const bare = await slack.press(alice, keep, where);
    expect(textOf((await fake.waitForResponse(bare.responseId as string)).body.blocks)).toContain('write it in the Reason field under the item');
    await settled();
    const { review: started, items: [item] } = await app.pim.reviewResults(actor('erin@example.com'), review.id);
    expect(started.settings.requireReason).toBe(true);
    expect(item?.decision).toBeNull();

    await slack.press(alice, keep, { ...where, fields: { [field]: 'I run the nightly reports' } });
    await settled();
    await eventually(async () => textOf(fake.message(posted.channel, posted.ts)?.blocks ?? []).includes('I run the nightly reports'), 'the card to show the reason');
    const [decided] = (await app.pim.reviewResults(actor('erin@example.com'), review.id)).items;
    expect(decided).toMatchObject({ decision: 'keep', reason: 'I run the nightly reports' });
  });
});
