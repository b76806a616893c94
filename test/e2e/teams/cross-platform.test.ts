/**
 * One request, one state, every copy of its card updated: the bot runs Slack and Teams together;
 * a request typed in Slack is approved from Teams, and one typed in Teams is approved from Slack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackAdapter } from '../../../adapters/slack/index.js';
import { teamsAdapter } from '../../../adapters/teams/index.js';
import { APPROVE } from '../../../cards/actions.js';
import { cardOf, cardText, executeActions, isPost, type ConnectorCall } from '../../support/fake-connector.js';
import { buttonsIn, eventually, FakeSlack, SlackSender, textOf } from '../../support/fake-slack.js';
import { AAD, APPROVALS_CHANNEL, BOT, baseActivity, personalChat, startTeamsBot, type TeamsBot } from './harness.js';

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_APPROVALS = 'C0APPROVALS';
const frank = { id: 'U0FRANK', name: 'frank' };
const carol = { id: 'U0CAROL', name: 'carol' };
const CARD = 'application/vnd.microsoft.card.adaptive';

let bot: TeamsBot;
let fake: FakeSlack;
let slack: SlackSender;

beforeAll(async () => {
  fake = await FakeSlack.start();
  bot = await startTeamsBot({
    env: { SLACK_BOT_TOKEN: 'xoxb-0000000000-0000000000000-testtokentesttoken', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, PIM_DEV_MODE: 'true' },
    adapters: [slackAdapter, teamsAdapter],
  });
  slack = new SlackSender(`${bot.app.url}/slack/events`, SIGNING_SECRET, fake);
});
afterAll(async () => {
  await bot?.close();
  await fake?.close();
});

const teamsCardFor = (requestId: string) => (c: ConnectorCall) =>
  isPost(c) && c.conversationId === APPROVALS_CHANNEL && executeActions(cardOf(c.body)).some((a) => a.verb === APPROVE && a.data?.requestId === requestId);

const slackCardFor = (requestId: string) => () => [...fake.messages.values()].find((m) => m.channel === SLACK_APPROVALS && textOf(m.blocks).includes(requestId));

describe('Slack and Teams on one request', () => {
  it('a request typed in Slack is approved from Teams: both cards updated, the requester told on both', async () => {
    // The Teams app was installed in the team of the approvers' channel before anyone used it.
    const installed = await bot.post({ ...baseActivity('erin', bot.connector.url, { channel: APPROVALS_CHANNEL }), type: 'conversationUpdate', membersAdded: [BOT] });
    expect(installed.status).toBe(200);

    const sent = await slack.command(frank, 'activate Owner 30m --reason "slack side" --ticket INC-7');
    expect(sent.status).toBe(200);
    const [request] = await eventually(async () => {
      const open = await bot.app.pim.myRequests(bot.app.pim.actorFor('frank@example.com', 'slack'));
      return open.length > 0 ? open : null;
    }, "frank's request");
    const id = request?.id as string;
    const teamsPost = await bot.connector.waitFor(teamsCardFor(id));
    const slackCard = await eventually(slackCardFor(id), 'the Slack approval card');
    expect(buttonsIn(slackCard.blocks).map((b) => b.action_id)).toContain(APPROVE);

    const res = await bot.invoke('carol', APPROVE, { requestId: id }, { channel: APPROVALS_CHANNEL, extra: { replyToId: teamsPost.answeredId } });
    expect(res.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardText(res.body.value)).toMatch(/Approved/);
    expect((await bot.app.pim.getRequest(id))?.state).toBe('active');

    const slackUpdate = await fake.waitForCall('chat.update', (c) => c.args.channel === SLACK_APPROVALS && c.args.ts === slackCard.ts);
    expect(textOf(slackUpdate.args.blocks)).toMatch(/Approved by \*Carol\*/);
    expect(buttonsIn(slackUpdate.args.blocks)).toEqual([]);
    await bot.connector.waitFor((c) => c.kind === 'update' && c.activityId === teamsPost.answeredId);
    await fake.waitForCall('chat.postMessage', (c) => c.args.channel === frank.id && /approved/i.test(textOf(c.args.blocks)));
    const create = await bot.connector.waitFor((c) => c.kind === 'create' && c.body?.members?.[0]?.id === AAD.frank.toLowerCase());
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === create.answeredId && /approved/i.test(cardText(cardOf(c.body))));
  });

  it('a request typed in Teams is approved from Slack: the Teams card is updated and the requester told in Teams', async () => {
    await bot.message('alice', 'pim activate Owner 30m --reason "teams side" --ticket INC-8');
    const teamsPost = await bot.connector.waitFor((c) => isPost(c) && c.conversationId === APPROVALS_CHANNEL && cardText(cardOf(c.body)).includes('teams side'));
    const id = executeActions(cardOf(teamsPost.body)).find((a) => a.verb === APPROVE)?.data.requestId as string;
    const slackCard = await eventually(slackCardFor(id), 'the Slack approval card');
    const approve = buttonsIn(slackCard.blocks).find((b) => b.action_id === APPROVE);
    expect(approve).toBeDefined();

    const press = await slack.press(carol, approve!, { channel: slackCard.channel, ts: slackCard.ts });
    expect(press.status).toBe(200);
    const update = await bot.connector.waitFor((c) => c.kind === 'update' && c.conversationId === APPROVALS_CHANNEL && c.activityId === teamsPost.answeredId);
    expect(cardText(cardOf(update.body))).toMatch(/Approved/);
    expect(cardText(cardOf(update.body))).toMatch(/Carol/);
    expect(executeActions(cardOf(update.body))).toHaveLength(0);
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === personalChat('alice') && /approved/i.test(cardText(cardOf(c.body))));
    expect((await bot.app.pim.getRequest(id))?.state).toBe('active');
  });
});
