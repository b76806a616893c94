/**
 * Extension within policy in Teams: the Extend button and a typed `extend` answer with the
 * extension form when the role's policy asks for a reason and a ticket; its submit refuses a
 * length past the maximum (counted from the activation's start) on the form, and otherwise asks
 * the approvers with an extension card whose Approve moves the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE, EXTEND, EXTEND_SUBMIT, FIELD } from '../../../cards/actions.js';
import { cardOf, cardText, executeActions, isPost } from '../../support/fake-connector.js';
import { APPROVALS_CHANNEL, cardProblems, personalChat, startTeamsBot, type TeamsBot } from './harness.js';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MIN = 60_000;
const OWNER = { role: 'Owner', scope: '/subscriptions/prod' };

let bot: TeamsBot;
beforeAll(async () => {
  bot = await startTeamsBot();
});
afterAll(async () => {
  await bot?.close();
});

const activation = async () => (await bot.app.pim.myRoles(bot.app.pim.actorFor('alice@example.com', 'teams'))).find((r) => r.role === 'Owner')?.active ?? null;

/** The Input.* ids of a card, in order. */
function inputIds(card: any): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') out.push(o.id);
    Object.values(o).forEach(walk);
  };
  walk(card.body);
  return out;
}

/** Approves, as carol, the pending request whose card in the approvals channel shows `text`. */
async function approveCard(text: string): Promise<string> {
  const post = await bot.connector.waitFor((c) => isPost(c) && c.conversationId === APPROVALS_CHANNEL && cardText(cardOf(c.body)).includes(text));
  const approve = executeActions(cardOf(post.body)).find((a) => a.verb === APPROVE);
  const requestId = approve?.data.requestId as string;
  const res = await bot.invoke('carol', APPROVE, { requestId }, { channel: APPROVALS_CHANNEL, extra: { replyToId: post.answeredId } });
  expect(res.body.type).toBe(CARD);
  return requestId;
}

describe('extend in Teams', () => {
  it('has alice’s Owner activation to extend (30m, approved by carol)', async () => {
    await bot.message('alice', 'pim activate Owner 30m --reason "fix the outage" --ticket INC-42');
    await approveCard('fix the outage');
    expect(await activation()).toBeTruthy();
  });

  it('answers the Extend button with the extension form (reason and ticket), not a blind extension', async () => {
    const before = await activation();
    const res = await bot.invoke('alice', EXTEND, OWNER);
    expect(res.body).toMatchObject({ statusCode: 200, type: CARD });
    const card = res.body.value;
    expect(cardProblems(card)).toEqual([]);
    expect(executeActions(card)).toEqual([expect.objectContaining({ verb: EXTEND_SUBMIT, data: OWNER, title: 'Request' })]);
    expect(inputIds(card)).toEqual([FIELD.duration, FIELD.reason, FIELD.ticket]);
    expect(cardText(card)).toContain('At most 30m more');
    expect((await activation())?.endsAt).toEqual(before?.endsAt);
  });

  it('shows a length past the maximum, counted from the start, on the form again', async () => {
    const res = await bot.invoke('alice', EXTEND_SUBMIT, { ...OWNER, [FIELD.duration]: '45m', [FIELD.reason]: 'still fixing', [FIELD.ticket]: 'INC-42' });
    expect(res.body.type).toBe(CARD);
    expect(executeActions(res.body.value).map((a) => a.verb)).toEqual([EXTEND_SUBMIT]);
    expect(cardText(res.body.value)).toContain('Owner can be active for at most 1h in all, counted from when this activation started: it can get at most 30m more.');
  });

  it('shows a missing ticket on the form again', async () => {
    const res = await bot.invoke('alice', EXTEND_SUBMIT, { ...OWNER, [FIELD.duration]: '20m', [FIELD.reason]: 'still fixing' });
    expect(cardText(res.body.value)).toContain('Owner needs a ticket number');
  });

  it('submitted in full, asks the approvers with an extension card; Approve moves the end', async () => {
    const before = await activation();
    const res = await bot.invoke('alice', EXTEND_SUBMIT, { ...OWNER, [FIELD.duration]: '20m', [FIELD.reason]: 'still fixing', [FIELD.ticket]: 'INC-42' });
    expect(cardText(res.body.value)).toMatch(/Extension request R-[A-Z0-9]+ for \*\*Owner\*\*/);
    expect((await activation())?.endsAt).toEqual(before?.endsAt);
    await approveCard('asks to extend');
    expect((await activation())?.endsAt?.getTime()).toBe((before?.endsAt?.getTime() ?? 0) + 20 * MIN);
    await bot.connector.waitFor((c) => c.conversationId === personalChat('alice') && isPost(c) && /It is extended by 20m/.test(cardText(cardOf(c.body))));
  });

  it('answers a typed extend without a reason with the form, and one past the maximum with how much is left', async () => {
    await bot.message('alice', 'pim extend Owner 5m');
    const form = await bot.connector.waitFor((c) => c.conversationId === personalChat('alice') && isPost(c) && executeActions(cardOf(c.body)).some((a) => a.verb === EXTEND_SUBMIT));
    expect(cardProblems(cardOf(form.body))).toEqual([]);
    await bot.message('alice', 'pim extend Owner 1h --reason "all day" --ticket INC-42');
    await bot.connector.waitFor((c) => c.conversationId === personalChat('alice') && isPost(c) && /at most 10m more/.test(cardText(cardOf(c.body))));
  });
});
