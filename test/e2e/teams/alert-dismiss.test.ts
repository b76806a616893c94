/**
 * The Dismiss button of a security alert card in Teams (Universal Actions): an admin's press
 * answers with the reason form (Input.Text + Action.Execute), its submit dismisses the alert and
 * the card in the security channel is updated in place; anyone else is told why not, audited,
 * and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ITEMS, ALERT_REVIEW, DISMISS_ALERT, DISMISS_ALERT_SUBMIT, DISMISS_REASON } from '../../../cards/actions.js';
import { cardOf, cardText, executeActions, isPost } from '../../support/fake-connector.js';
import { CONFIG_YAML, SECURITY_CHANNEL, cardProblems, startTeamsBot, type TeamsBot } from './harness.js';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';

let bot: TeamsBot;
let alertId: string;

beforeAll(async () => {
  bot = await startTeamsBot();
  // The bot learns the service URL from the first activity it gets, as an installed app does.
  await bot.message('erin', 'pim help');
  // Owner and Reader can be activated without MFA: the no_mfa rule raises an alert for each.
  const scan = await bot.app.pim.scanAlerts();
  alertId = scan.raised[0] as string;
});
afterAll(async () => {
  await bot?.close();
});

const erin = () => bot.app.pim.actorFor('erin@example.com', 'cli');
const isOpen = async (id: string) => (await bot.app.pim.alerts(erin())).some((a) => a.id === id && a.state === 'open');

describe('Dismiss on an alert card in Teams', () => {
  it('posts the alert card to the security channel with Dismiss as Action.Execute', async () => {
    const post = await bot.connector.waitFor((c) => isPost(c) && c.conversationId === SECURITY_CHANNEL && executeActions(cardOf(c.body)).some((a) => a.data?.alertId === alertId));
    const dismiss = executeActions(cardOf(post.body)).find((a) => a.verb === DISMISS_ALERT);
    expect(dismiss?.data).toEqual({ alertId });
    expect(cardProblems(cardOf(post.body))).toEqual([]);
  });

  it('refuses a non-admin with a sentence, audited, and nothing changes', async () => {
    const res = await bot.invoke('bob', DISMISS_ALERT, { alertId }, { channel: SECURITY_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(res.body.value).toMatch(/PIM admin/);
    const submit = await bot.invoke('bob', DISMISS_ALERT_SUBMIT, { alertId, [DISMISS_REASON]: 'not mine to keep' }, { channel: SECURITY_CHANNEL });
    expect(submit.body.type).toBe(MESSAGE);
    expect(await isOpen(alertId)).toBe(true);
    const refused = (await bot.app.pim.auditLog(erin(), {})).filter((e) => e.action === 'refused.alert-dismiss');
    expect(refused.map((e) => [e.actor, e.details.code, e.details.platform])).toEqual([
      ['bob@example.com', 'not_admin', 'teams'],
      ['bob@example.com', 'not_admin', 'teams'],
    ]);
  });

  it('opens the reason form for an admin; an empty reason shows it again; a reason dismisses and updates the card in place', async () => {
    const open = await bot.invoke('erin', DISMISS_ALERT, { alertId }, { channel: SECURITY_CHANNEL });
    expect(open.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardProblems(open.body.value)).toEqual([]);
    const submitAction = executeActions(open.body.value).find((a) => a.verb === DISMISS_ALERT_SUBMIT);
    expect(submitAction?.data).toEqual({ alertId });
    expect(JSON.stringify(open.body.value)).toContain(DISMISS_REASON);

    const empty = await bot.invoke('erin', DISMISS_ALERT_SUBMIT, { alertId, [DISMISS_REASON]: '  ' }, { channel: SECURITY_CHANNEL });
    expect(cardText(empty.body.value)).toMatch(/Give a reason/);
    expect(await isOpen(alertId)).toBe(true);

    const done = await bot.invoke('erin', DISMISS_ALERT_SUBMIT, { alertId, [DISMISS_REASON]: 'MFA comes with the new IdP in Q3' }, { channel: SECURITY_CHANNEL });
    expect(done.body.type).toBe(CARD);
    expect(cardText(done.body.value)).toMatch(/Dismissed by \*\*Erin\*\*/);
    expect(executeActions(done.body.value).map((a) => a.verb)).not.toContain(DISMISS_ALERT);
    expect(await isOpen(alertId)).toBe(false);
    const update = await bot.connector.waitFor((c) => c.kind === 'update' && c.conversationId === SECURITY_CHANNEL && /MFA comes with the new IdP/.test(cardText(cardOf(c.body))));
    expect(executeActions(cardOf(update.body))).toHaveLength(0);
  });
});

describe('Affected items and Start a review on an alert card in Teams', () => {
  let many: TeamsBot;
  let manyId: string;
  beforeAll(async () => {
    // Owner is critical with a limit of 1 holder: one too_many_critical_holders alert, which a review answers.
    many = await startTeamsBot({ yaml: CONFIG_YAML.replace('channels:', 'alerts:\n  criticalRoles: [Owner]\n  tooManyCriticalHolders: { maxHolders: 1, maxPercent: 10 }\n  noMfa: { enabled: false }\nchannels:') });
    await many.message('erin', 'pim help');
    const scan = await many.app.pim.scanAlerts();
    expect(scan.raised).toHaveLength(1);
    manyId = scan.raised[0] as string;
  });
  afterAll(async () => {
    await many?.close();
  });

  it('carries both buttons; Affected items leaves the card and posts the holders below it', async () => {
    const post = await many.connector.waitFor((c) => isPost(c) && c.conversationId === SECURITY_CHANNEL && executeActions(cardOf(c.body)).some((a) => a.data?.alertId === manyId));
    expect(executeActions(cardOf(post.body)).map((a) => a.verb)).toEqual(expect.arrayContaining([DISMISS_ALERT, ALERT_REVIEW, ALERT_ITEMS]));
    const before = many.connector.calls.length;
    const res = await many.invoke('erin', ALERT_ITEMS, { alertId: manyId }, { channel: SECURITY_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(res.body.value).toMatch(/assignments alert A-\S+ is about are listed below/);
    const listed = await many.connector.waitFor((c) => many.connector.calls.indexOf(c) >= before && (c.kind === 'reply' || c.kind === 'send') && cardText(cardOf(c.body)).includes(manyId));
    expect(cardText(cardOf(listed.body))).toMatch(/Alice/);
    expect(cardProblems(cardOf(listed.body))).toEqual([]);
    expect(many.connector.calls.filter((c) => c.kind === 'update')).toEqual([]);
  });

  it('starts a review for an admin only; a holder is told why not', async () => {
    const refused = await many.invoke('bob', ALERT_REVIEW, { alertId: manyId }, { channel: SECURITY_CHANNEL });
    expect(refused.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(refused.body.value).toMatch(/Only PIM admins/);
    const res = await many.invoke('erin', ALERT_REVIEW, { alertId: manyId }, { channel: SECURITY_CHANNEL });
    expect(res.body.value).toMatch(/Access review V-\S+ started/);
    const started = (await many.app.pim.auditLog(many.app.pim.actorFor('erin@example.com', 'cli'), {})).filter((e) => e.action === 'review.started');
    expect(started).toHaveLength(1);
  });

  it('on the no-MFA alert, refuses Start a review: it is not about who holds a role', async () => {
    const res = await bot.invoke('erin', ALERT_REVIEW, { alertId }, { channel: SECURITY_CHANNEL });
    expect(res.body.value).toMatch(/nothing to review/);
  });
});
