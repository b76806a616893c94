/** Typed commands in Teams: replies in the same conversation, forms, mentions, unknown users. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVATE_SUBMIT, FIELD } from '../../../cards/actions.js';
import { cardOf, cardText, executeActions, isPost } from '../../support/fake-connector.js';
import { APPROVALS_CHANNEL, BOT, TENANT, baseActivity, cardProblems, personalChat, startTeamsBot, type TeamsBot } from './harness.js';

let bot: TeamsBot;

beforeAll(async () => {
  bot = await startTeamsBot();
});
afterAll(async () => {
  await bot?.close();
});
/** Cards sent by earlier tests (each test starts with an empty connector log). */
const sent: unknown[] = [];
beforeEach(() => {
  sent.push(...bot.allCards());
  bot.invokeCards.length = 0;
  bot.connector.clear();
});

const replyIn = (conversationId: string) => (c: { kind: string; conversationId: string | null }) =>
  (c.kind === 'reply' || c.kind === 'send') && c.conversationId === conversationId;

describe('Teams commands', () => {
  it('answers "pim roles" in the personal chat with a card listing the roles', async () => {
    const res = await bot.message('alice', 'pim roles');
    expect(res.status).toBe(200);
    const call = await bot.connector.waitFor(replyIn(personalChat('alice')));
    expect(call.kind).toBe('reply');
    const card = cardOf(call.body);
    expect(card?.type).toBe('AdaptiveCard');
    expect(cardText(card)).toMatch(/Owner/);
    expect(cardText(card)).toMatch(/Reader/);
    expect(typeof call.body.text).toBe('string');
  });

  it('answers "@pimbot roles" with the bot mention stripped, in a channel', async () => {
    const res = await bot.message('alice', '<at>pimbot</at> roles', {
      channel: APPROVALS_CHANNEL,
      extra: { entities: [{ type: 'mention', text: '<at>pimbot</at>', mentioned: BOT }] },
    });
    expect(res.status).toBe(200);
    const call = await bot.connector.waitFor((c) => c.kind === 'reply' && (c.conversationId ?? '').startsWith(APPROVALS_CHANNEL));
    expect(cardText(cardOf(call.body))).toMatch(/Owner/);
  });

  it('activates a role that needs no approval at once', async () => {
    await bot.message('bob', 'pim activate Reader 30m');
    const call = await bot.connector.waitFor(replyIn(personalChat('bob')));
    expect(cardText(cardOf(call.body))).toMatch(/Reader/);
    const roles = await bot.app.pim.myRoles(bot.app.pim.actorFor('bob@example.com', 'teams'));
    expect(roles.find((r) => r.role === 'Reader')?.active).not.toBeNull();
  });

  it('answers a command missing the reason and ticket with the activation form, pre-filled', async () => {
    await bot.message('alice', 'activate Owner 45m');
    const call = await bot.connector.waitFor(replyIn(personalChat('alice')));
    const card = cardOf(call.body);
    const submit = executeActions(card).find((a) => a.verb === ACTIVATE_SUBMIT);
    expect(submit?.data).toMatchObject({ role: 'Owner' });
    const inputs = JSON.stringify(card);
    expect(inputs).toContain(FIELD.reason);
    expect(inputs).toContain(FIELD.ticket);
    expect(inputs).toContain('45m');
  });

  it('tells a user who is not in the directory to ask a PIM admin, and runs nothing', async () => {
    const before = await bot.app.pim.auditLog(bot.app.pim.actorFor('erin@example.com', 'teams'), {});
    await bot.message('mallory', 'pim activate Reader 30m');
    const call = await bot.connector.waitFor(replyIn(personalChat('mallory')));
    expect(cardText(cardOf(call.body))).toMatch(/ask a PIM admin/i);
    const after = await bot.app.pim.auditLog(bot.app.pim.actorFor('erin@example.com', 'teams'), {});
    expect(after.length).toBe(before.length);
  });

  it('resolves an <at> mention of another user to their principal (admin assign)', async () => {
    const res = await bot.message('erin', 'pim assign <at>Dave</at> Reader --eligible --for 30d --reason "joins the audit"', {
      extra: { entities: [{ type: 'mention', text: '<at>Dave</at>', mentioned: { id: '29:dave', name: 'Dave', aadObjectId: '00000000-0000-0000-0000-00000000DA7E' } }] },
    });
    expect(res.status).toBe(200);
    const call = await bot.connector.waitFor(replyIn(personalChat('erin')));
    expect(cardText(cardOf(call.body))).toMatch(/Dave/);
    const roles = await bot.app.pim.myRoles(bot.app.pim.actorFor('dave@example.com', 'teams'));
    expect(roles.some((r) => r.role === 'Reader' && r.eligible)).toBe(true);
  });

  it('refuses a mention it cannot resolve, saying to use an e-mail', async () => {
    await bot.message('erin', 'pim assign <at>Stranger</at> Reader --eligible --for 30d --reason "new hire"');
    const call = await bot.connector.waitFor(replyIn(personalChat('erin')));
    expect(cardText(cardOf(call.body))).toMatch(/e-mail/);
  });

  it('offers the audit CSV as a file after the reply card, in the personal chat (see audit-csv.test.ts)', async () => {
    await bot.message('erin', 'pim audit --csv');
    const [card, file] = await bot.connector.waitForCount(replyIn(personalChat('erin')), 2);
    expect(cardText(cardOf(card?.body))).toMatch(/Audit export/);
    expect(file?.body.attachments?.[0]).toMatchObject({ contentType: 'application/vnd.microsoft.teams.card.file.consent', name: expect.stringMatching(/^pim-audit-\d{4}-\d{2}-\d{2}\.csv$/) });
  });

  it('keeps the 1:1 chat from an install and tells the user there, without creating a chat', async () => {
    const install = await bot.post({ ...baseActivity('frank', bot.connector.url), type: 'installationUpdate', action: 'add' });
    expect(install.status).toBe(200);
    await bot.message('erin', 'pim assign frank@example.com Reader --eligible --for 30d --reason "new hire"');
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === personalChat('frank') && /Reader/.test(cardText(cardOf(c.body))));
    expect(bot.connector.calls.filter((c) => c.kind === 'create')).toHaveLength(0);
  });

  it('opens a 1:1 chat with the AAD id of a user it never heard from', async () => {
    await bot.message('erin', 'pim assign carol@example.com Reader --eligible --for 30d --reason "new hire"');
    const create = await bot.connector.waitFor((c) => c.kind === 'create');
    expect(create.body).toMatchObject({ isGroup: false, members: [{ id: '00000000-0000-0000-0000-0000000ca501' }], tenantId: TENANT });
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === create.answeredId);
  });

  it('sent only cards the Adaptive Cards library parses and validates without a problem', () => {
    const cards = [...sent, ...bot.allCards()];
    expect(cards.length).toBeGreaterThan(3);
    for (const card of cards) expect(cardProblems(card)).toEqual([]);
  });
});
