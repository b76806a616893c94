/**
 * The approval flow in Teams: the card posted proactively to the approvers' channel, Approve and
 * Deny as Universal Actions (adaptiveCard/action), refusals that change nothing, the Action.Submit
 * fallback, and a requester who never wrote to the bot in Teams (see cross-platform.test.ts for
 * the same flow with the Slack adapter running).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVATE_SUBMIT, APPROVE, CANCEL, DENY, DENY_REASON, DENY_SUBMIT, FIELD, REFRESH } from '../../../cards/actions.js';
import { cardOf, cardText, executeActions, isPost, type ConnectorCall } from '../../support/fake-connector.js';
import { AAD, APPROVALS_CHANNEL, SECURITY_CHANNEL, baseActivity, cardProblems, personalChat, startTeamsBot, type TeamsBot, type Who } from './harness.js';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';
const ERROR = 'application/vnd.microsoft.error';

let bot: TeamsBot;

beforeAll(async () => {
  bot = await startTeamsBot();
});
afterAll(async () => {
  await bot?.close();
});

const postedToApprovals = (requestId: string) => (c: ConnectorCall) =>
  isPost(c) && c.conversationId === APPROVALS_CHANNEL && executeActions(cardOf(c.body)).some((a) => a.verb === APPROVE && a.data?.requestId === requestId);

/** `who` asks for Owner in their personal chat; returns the request id and the approval card's post. */
async function requestOwner(who: Who, reason = 'fix the prod outage'): Promise<{ requestId: string; post: ConnectorCall }> {
  const before = bot.connector.calls.length;
  const res = await bot.message(who, `pim activate Owner 30m --reason "${reason}" --ticket INC-42`);
  expect(res.status).toBe(200);
  const post = await bot.connector.waitFor(
    (c) => bot.connector.calls.indexOf(c) >= before && isPost(c) && c.conversationId === APPROVALS_CHANNEL && cardText(cardOf(c.body)).includes(reason),
  );
  const approve = executeActions(cardOf(post.body)).find((a) => a.verb === APPROVE);
  return { requestId: approve?.data.requestId as string, post };
}

const stateOf = async (id: string) => (await bot.app.pim.getRequest(id))?.state;

describe('Teams approvals', () => {
  let alice: { requestId: string; post: ConnectorCall };

  it('posts the approval card proactively to the approvers channel, with Approve/Deny as Action.Execute and a refresh for the approvers', async () => {
    alice = await requestOwner('alice');
    const card = cardOf(alice.post.body);
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.5');
    const verbs = executeActions(card).map((a) => a.verb);
    expect(verbs).toEqual(expect.arrayContaining([APPROVE, DENY]));
    expect(card.refresh.action).toMatchObject({ type: 'Action.Execute', verb: REFRESH, data: { requestId: alice.requestId } });
    expect(card.refresh.userIds).toEqual([AAD.carol.toLowerCase()]);
    expect(cardText(card)).toMatch(/Alice/);
    expect(alice.post.body.text).toMatch(/Alice/);
    // The requester hears that the request waits, in her own chat.
    await bot.connector.waitFor((c) => c.conversationId === personalChat('alice') && isPost(c) && /waiting for approval/.test(cardText(cardOf(c.body))));
  });

  it('refuses Approve from someone who is not an approver, with a message and no state change', async () => {
    const res = await bot.invoke('bob', APPROVE, { requestId: alice.requestId }, { channel: APPROVALS_CHANNEL });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(res.body.value).toMatch(/not an approver/);
    expect(await stateOf(alice.requestId)).toBe('pending_approval');
  });

  it('refuses Approve from a Teams user not in the directory', async () => {
    const res = await bot.invoke('mallory', APPROVE, { requestId: alice.requestId }, { channel: APPROVALS_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(res.body.value).toMatch(/ask a PIM admin/i);
    expect(await stateOf(alice.requestId)).toBe('pending_approval');
  });

  it('refreshes the pending card for an approver, and not for a stranger to the request', async () => {
    const res = await bot.invoke('carol', REFRESH, { requestId: alice.requestId }, { channel: APPROVALS_CHANNEL, extra: {} });
    expect(res.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(executeActions(res.body.value).map((a) => a.verb)).toContain(APPROVE);
    const other = await bot.invoke('bob', REFRESH, { requestId: alice.requestId }, { channel: APPROVALS_CHANNEL });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ statusCode: 403, type: ERROR });
  });

  it('approves for an approver: 200 with the updated card, the requester DMed, the channel card updated', async () => {
    const res = await bot.invoke('carol', APPROVE, { requestId: alice.requestId }, { channel: APPROVALS_CHANNEL, extra: { replyToId: alice.post.answeredId } });
    expect(res.status).toBe(200);
    expect(res.body.statusCode).toBe(200);
    expect(res.body.type).toBe(CARD);
    const card = res.body.value;
    expect(executeActions(card).map((a) => a.verb)).not.toContain(APPROVE);
    expect(cardText(card)).toMatch(/Approved/);
    expect(cardText(card)).toMatch(/Carol/);
    expect(card.refresh).toBeUndefined();
    expect(await stateOf(alice.requestId)).toBe('active');

    const dm = await bot.connector.waitFor((c) => c.conversationId === personalChat('alice') && isPost(c) && /approved/i.test(cardText(cardOf(c.body))));
    expect(cardText(cardOf(dm.body))).toMatch(/Carol/);
    const update = await bot.connector.waitFor((c) => c.kind === 'update' && c.conversationId === APPROVALS_CHANNEL && c.activityId === alice.post.answeredId);
    expect(executeActions(cardOf(update.body)).map((a) => a.verb)).not.toContain(APPROVE);
    expect(cardText(cardOf(update.body))).toMatch(/Approved/);
    // notify: { activated: [security] }
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === SECURITY_CHANNEL);
  });

  it('answers Approve on a request already decided with the card as it is now, changing nothing', async () => {
    const audit = await bot.app.pim.auditLog(bot.app.pim.actorFor('erin@example.com', 'teams'), {});
    const res = await bot.invoke('carol', APPROVE, { requestId: alice.requestId }, { channel: APPROVALS_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardText(res.body.value)).toMatch(/Approved/);
    expect(executeActions(res.body.value)).toHaveLength(0);
    expect(await stateOf(alice.requestId)).toBe('active');
    const after = await bot.app.pim.auditLog(bot.app.pim.actorFor('erin@example.com', 'teams'), {});
    expect(after.filter((e) => e.action.startsWith('request.'))).toHaveLength(audit.filter((e) => e.action.startsWith('request.')).length);
  });

  it('refuses self-approval, even when the requester is an approver', async () => {
    const carol = await requestOwner('carol', 'rotate the keys');
    const res = await bot.invoke('carol', APPROVE, { requestId: carol.requestId }, { channel: APPROVALS_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(res.body.value).toMatch(/own request/);
    expect(await stateOf(carol.requestId)).toBe('pending_approval');
    // Nobody but carol approves Owner, so her card refreshes for nobody.
    expect(cardOf(carol.post.body).refresh).toBeUndefined();
  });

  it('Deny opens the reason form; an empty reason shows it again; a reason denies', async () => {
    const dave = await requestOwner('dave', 'look at the billing');
    const open = await bot.invoke('carol', DENY, { requestId: dave.requestId }, { channel: APPROVALS_CHANNEL });
    expect(open.body).toMatchObject({ statusCode: 200, type: CARD });
    const submit = executeActions(open.body.value).find((a) => a.verb === DENY_SUBMIT);
    expect(submit?.data).toEqual({ requestId: dave.requestId });
    expect(JSON.stringify(open.body.value)).toContain(DENY_REASON);

    const empty = await bot.invoke('carol', DENY_SUBMIT, { requestId: dave.requestId, [DENY_REASON]: '  ' }, { channel: APPROVALS_CHANNEL });
    expect(empty.body.type).toBe(CARD);
    expect(cardText(empty.body.value)).toMatch(/Give a reason/);
    expect(await stateOf(dave.requestId)).toBe('pending_approval');

    const denied = await bot.invoke('carol', DENY_SUBMIT, { requestId: dave.requestId, [DENY_REASON]: 'not during the freeze' }, { channel: APPROVALS_CHANNEL });
    expect(denied.body.type).toBe(CARD);
    expect(cardText(denied.body.value)).toMatch(/Denied/);
    expect(await stateOf(dave.requestId)).toBe('denied');
    await bot.connector.waitFor((c) => c.conversationId === personalChat('dave') && /denied/i.test(cardText(cardOf(c.body))));
  });

  it('answers an unknown verb with an error response, not a 500', async () => {
    const res = await bot.invoke('carol', 'pim_launch_missiles', { requestId: 'X' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, type: ERROR, value: { code: 'NotSupported' } });
  });

  it('answers malformed card data with a BadRequest error response', async () => {
    const noHint = await bot.invoke('carol', APPROVE, {});
    expect(noHint.status).toBe(400);
    expect(noHint.body).toMatchObject({ type: ERROR, value: { code: 'BadRequest' } });

    const { connector } = bot;
    const noAction = await bot.post({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { nonsense: true },
      channelId: 'msteams',
      serviceUrl: connector.url,
      from: { id: '29:carol', aadObjectId: AAD.carol },
      recipient: { id: '28:pimbot-test' },
      conversation: { id: personalChat('carol'), conversationType: 'personal' },
    });
    expect(noAction.status).toBe(400);
    expect(noAction.body).toMatchObject({ type: ERROR, value: { code: 'BadRequest' } });

    const unknownInvoke = await bot.post({
      type: 'invoke',
      name: 'task/fetch',
      channelId: 'msteams',
      serviceUrl: connector.url,
      from: { id: '29:carol', aadObjectId: AAD.carol },
      recipient: { id: '28:pimbot-test' },
      conversation: { id: personalChat('carol'), conversationType: 'personal' },
    });
    expect(unknownInvoke.status).toBe(400);

    const notJson = await bot.post('{"type": "message", ');
    expect(notJson.status).toBe(400);
  });

  it('decides through the Action.Submit fallback and replies with a message', async () => {
    const erin = await requestOwner('erin', 'audit the vault');
    const res = await bot.message('carol', '', { channel: APPROVALS_CHANNEL, extra: { value: { verb: APPROVE, requestId: erin.requestId } } });
    expect(res.status).toBe(200);
    const reply = await bot.connector.waitFor((c) => c.kind === 'reply' && (c.conversationId ?? '').startsWith(APPROVALS_CHANNEL) && /Approved/.test(cardText(cardOf(c.body))));
    expect(cardText(cardOf(reply.body))).toMatch(/Carol/);
    expect(await stateOf(erin.requestId)).toBe('active');

    // A non-approver's fallback press is refused in a message, and changes nothing.
    const dave = await requestOwner('dave', 'second try');
    await bot.message('bob', '', { extra: { value: { action: APPROVE, requestId: dave.requestId } } });
    const refusal = await bot.connector.waitFor((c) => c.kind === 'reply' && c.conversationId === personalChat('bob') && /not an approver/.test(cardText(cardOf(c.body))));
    expect(refusal).toBeTruthy();
    expect(await stateOf(dave.requestId)).toBe('pending_approval');
  });

  it('opens a 1:1 chat to tell a requester who never wrote to the bot in Teams (request made on another platform)', async () => {
    const pim = bot.app.pim;
    const result = await pim.activate(pim.actorFor('frank@example.com', 'slack'), { role: 'Owner', durationMs: 30 * 60_000, reason: 'slack-made request', ticket: 'INC-7' });
    expect(result.outcome).toBe('pending_approval');
    const id = result.request.id;
    const post = await bot.connector.waitFor(postedToApprovals(id));

    const res = await bot.invoke('carol', APPROVE, { requestId: id }, { channel: APPROVALS_CHANNEL, extra: { replyToId: post.answeredId } });
    expect(res.body.type).toBe(CARD);
    expect(cardText(res.body.value)).toMatch(/Approved/);
    expect(await stateOf(id)).toBe('active');
    // Frank never wrote to the bot in Teams: the bot creates the 1:1 chat with his AAD id for the
    // decision (his request's own message is the answer he got in Slack).
    const create = await bot.connector.waitFor((c) => c.kind === 'create' && c.body?.members?.[0]?.id === AAD.frank.toLowerCase());
    expect(create.body.tenantId).toBeTruthy();
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === create.answeredId && /approved/i.test(cardText(cardOf(c.body))));
    expect(bot.connector.calls.filter((c) => c.kind === 'create' && c.body?.members?.[0]?.id === AAD.frank.toLowerCase())).toHaveLength(1);
  });

  it('sent only cards the Adaptive Cards library parses and validates without a problem', () => {
    const cards = bot.allCards();
    expect(cards.length).toBeGreaterThan(3);
    for (const card of cards) expect(cardProblems(card)).toEqual([]);
  });
});

describe('an activation form submitted as a card', () => {
  /** alice asks for Owner without a reason or ticket; returns the form's activity and its submit data. */
  async function openForm(): Promise<{ formId: string; data: Record<string, unknown> }> {
    const before = bot.connector.calls.length;
    await bot.message('alice', 'activate Owner 45m');
    const call = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && c.conversationId === personalChat('alice') && executeActions(cardOf(c.body)).some((a) => a.verb === ACTIVATE_SUBMIT));
    const submit = executeActions(cardOf(call.body)).find((a) => a.verb === ACTIVATE_SUBMIT);
    return { formId: call.answeredId as string, data: (submit?.data ?? {}) as Record<string, unknown> };
  }
  const fields = (ticket: string) => ({ [FIELD.duration]: '45m', [FIELD.reason]: 'rotate the keys', [FIELD.ticket]: ticket });
  const requestIdIn = (card: unknown) => executeActions(card).find((a) => a.verb === CANCEL)?.data.requestId as string | undefined;
  // Earlier tests leave alice's Owner active.
  beforeEach(() => bot.app.pim.deactivate(bot.app.pim.actorFor('alice@example.com', 'teams'), 'Owner').catch(() => undefined));

  it('(Universal Actions) becomes the request message: the form turns into the waiting card, which is updated in place once approved, its Cancel gone', async () => {
    const { formId, data } = await openForm();
    const res = await bot.invoke('alice', ACTIVATE_SUBMIT, { ...data, ...fields('INC-71') }, { extra: { replyToId: formId } });
    expect(res.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardText(res.body.value)).toMatch(/waiting for approval/);
    const requestId = requestIdIn(res.body.value);
    expect(requestId).toBeTruthy();
    const before = bot.connector.calls.length;
    await bot.invoke('carol', APPROVE, { requestId }, { channel: APPROVALS_CHANNEL });
    const update = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && c.kind === 'update' && c.conversationId === personalChat('alice') && c.activityId === formId);
    expect(executeActions(cardOf(update.body)).map((a) => a.verb)).not.toContain(CANCEL);
    expect(cardText(cardOf(update.body))).toMatch(/Carol/);
    expect(await stateOf(requestId as string)).toBe('active');
  });

  it('(Action.Submit) posts the waiting card as a message, and that message is the one updated once approved', async () => {
    const { data } = await openForm();
    const before = bot.connector.calls.length;
    const res = await bot.post({ ...baseActivity('alice', bot.connector.url), type: 'message', value: { verb: ACTIVATE_SUBMIT, ...data, ...fields('INC-72') } });
    expect(res.status).toBe(200);
    const posted = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && isPost(c) && c.conversationId === personalChat('alice') && /waiting for approval/.test(cardText(cardOf(c.body))));
    const requestId = requestIdIn(cardOf(posted.body));
    expect(requestId).toBeTruthy();
    await bot.invoke('carol', APPROVE, { requestId }, { channel: APPROVALS_CHANNEL });
    const update = await bot.connector.waitFor((c) => c.kind === 'update' && c.conversationId === personalChat('alice') && c.activityId === posted.answeredId);
    expect(executeActions(cardOf(update.body)).map((a) => a.verb)).not.toContain(CANCEL);
  });
});
