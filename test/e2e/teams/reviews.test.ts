/**
 * An access review in Teams: a self-review started by an admin, each holder's card in their
 * personal chat with Keep and Remove as Action.Execute, a non-reviewer's press refused with no
 * change, a Remove answered with the card as it now stands, and at the end the removed assignment
 * gone and the summary in the security channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_KEEP, REVIEW_REMOVE, reviewReasonField } from '../../../cards/actions.js';
import { cardOf, cardText, executeActions, isPost } from '../../support/fake-connector.js';
import { SECURITY_CHANNEL, cardProblems, personalChat, startTeamsBot, type TeamsBot } from './harness.js';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';

let bot: TeamsBot;
beforeAll(async () => {
  bot = await startTeamsBot();
});
afterAll(async () => {
  await bot?.close();
});

const readers = async (who: string) => (await bot.app.pim.myRoles(bot.app.pim.actorFor(who, 'teams'))).filter((r) => r.role === 'Reader');

describe('Teams access reviews', () => {
  it('is decided from the card in the personal chat; a non-reviewer changes nothing; apply removes and sums up', async () => {
    await bot.message('alice', 'pim status');
    await bot.message('bob', 'pim status');
    expect((await bot.message('erin', 'pim review start Reader --reviewers self --duration 7d')).status).toBe(200);
    const post = await bot.connector.waitFor((c) => isPost(c) && c.conversationId === personalChat('alice') && executeActions(cardOf(c.body)).some((a) => a.verb === REVIEW_KEEP));
    const card = cardOf(post.body);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('Do you still need');
    const remove = executeActions(card).find((a) => a.verb === REVIEW_REMOVE);
    const itemId = remove?.data.itemId as string;
    expect(itemId).toBeTruthy();

    const refused = await bot.invoke('bob', REVIEW_REMOVE, { itemId });
    expect(refused.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(refused.body.value).toMatch(/not a reviewer of this item/);
    expect(await readers('alice@example.com')).toHaveLength(1);

    const pressed = await bot.invoke('alice', REVIEW_REMOVE, { itemId });
    expect(pressed.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardText(pressed.body.value)).toMatch(/Removed by \W*Alice/);
    expect(cardProblems(pressed.body.value)).toEqual([]);

    const [pending] = await bot.app.pim.pendingReviews(bot.app.pim.actorFor('bob@example.com', 'teams'));
    const reviewId = pending?.review.id ?? '';
    await bot.message('erin', `pim review stop ${reviewId}`);
    await bot.message('erin', `pim review apply ${reviewId}`);
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === SECURITY_CHANNEL && /Access review applied/.test(cardText(cardOf(c.body))));
    expect(await readers('alice@example.com')).toHaveLength(0);
    expect(await readers('bob@example.com')).toHaveLength(1);
  });
});

describe('a Teams review that requires a reason', () => {
  it('has a Reason field per item; Keep without one is refused, with one (sent with the card inputs) it decides', async () => {
    const erin = bot.app.pim.actorFor('erin@example.com', 'teams');
    // Carol has written to the bot, so it can reach her personal chat.
    await bot.message('carol', 'pim status');
    const before = bot.connector.calls.length;
    const { review, items } = await bot.app.pim.startReview(erin, { role: 'Owner', reviewers: { kind: 'self' }, settings: { requireReason: true } });
    const carols = items.find((i) => i.principalId === 'carol@example.com');
    if (!carols) throw new Error('no item for carol');
    const post = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && isPost(c) && c.conversationId === personalChat('carol') && JSON.stringify(c.body).includes(reviewReasonField(carols.id)));
    const card = cardOf(post.body);
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('"type":"Input.Text"');

    const bare = await bot.invoke('carol', REVIEW_KEEP, { itemId: carols.id });
    expect(bare.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(bare.body.value).toMatch(/write it in the Reason field/);
    const kept = await bot.invoke('carol', REVIEW_KEEP, { itemId: carols.id, [reviewReasonField(carols.id)]: 'on call this quarter' });
    expect(kept.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardText(kept.body.value)).toContain('on call this quarter');
    const results = await bot.app.pim.reviewResults(erin, review.id);
    expect(results.items.find((i) => i.id === carols.id)).toMatchObject({ decision: 'keep', reason: 'on call this quarter' });
  });
});
