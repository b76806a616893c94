/**
 * `/pim extend` and the Extend button over the Slack wire protocol: the activation's whole length
 * stays within the role's maximum (the seven-extends attack), extend asks for the reason, ticket
 * and MFA code the policy asks of activation (the extension modal when they were not typed), and
 * goes through approval with its own card.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE, DENY, DENY_REASON, EXTEND, EXTEND_VIEW, FIELD, hintValue } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { OffsetClock } from '../../../src/clock.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { totpAt } from '../../../src/mfa/totp.js';
import { TotpVerifier } from '../../../src/mfa/verifier.js';
import { buttonsIn, textOf, type RenderedButton, type SlackUser } from '../../support/fake-slack.js';
import { testSecretBox } from '../../support/keys.js';
import { alice, answerOf, APPROVALS, carol, dmsTo, postedIn, slackSuite } from './harness.js';

const MIN = 60_000;

const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: carol@example.com, name: Carol, slack: U0CAROL }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
admins: [erin@example.com]
channels:
  approvals: { slack: ${APPROVALS} }
roles:
  - name: Console
    scopes: [/]
    policy: { maxActivation: 5m, requireJustification: false }
  - name: Short
    scopes: [/]
    policy: { maxActivation: 10m, requireJustification: false }
  - name: Strict
    scopes: [/]
    policy: { maxActivation: 2h, requireJustification: true, requireTicket: true, ticketPattern: "INC-[0-9]+" }
  - name: Mfa
    scopes: [/]
    policy: { maxActivation: 1h, requireJustification: false, requireMfa: true }
  - name: Gated
    scopes: [/]
    policy:
      maxActivation: 2h
      requireJustification: true
      approval: { required: true, approvers: [carol@example.com] }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Console, type: eligible }
    - { principal: alice@example.com, role: Short, type: eligible }
    - { principal: alice@example.com, role: Strict, type: eligible }
    - { principal: alice@example.com, role: Mfa, type: eligible }
    - { principal: alice@example.com, role: Gated, type: eligible }
`;

// The bot's own clock, moved forward by the tests; Slack's signatures use real time.
const clock = new OffsetClock();
const suite = slackSuite({ workThread: 'off', clock, config: CONFIG });
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

/** Runs `/pim <text>` as `who` and returns the text of its ephemeral answer. */
const command = (who: SlackUser, text: string): Promise<string> => answerOf(suite.get(), who, text);

/** alice's current activation of `role`. */
async function activation(role: string) {
  const { app, actor } = suite.get();
  return (await app.pim.myRoles(actor('alice@example.com'))).find((r) => r.role === role)?.active ?? null;
}

const lengthOf = (a: { startsAt: Date; endsAt: Date | null } | null) => (a?.endsAt ? a.endsAt.getTime() - a.startsAt.getTime() : null);

/** The modal the bot opened last (views.open), after `before` of them. */
async function openedView(before: number) {
  const { fake } = suite.get();
  return (await fake.waitForCall('views.open', () => fake.callsTo('views.open').length > before)).args.view;
}

describe('the seven-extends attack', () => {
  it('on a 5-minute role: every extend is refused, and the activation ends at 5 minutes', async () => {
    expect(await command(alice, 'activate Console 5m')).toMatch(/\*Console\* at `\/` is active until/);
    const answers: string[] = [];
    for (let k = 0; k < 7; k++) {
      clock.advance(MIN);
      answers.push(await command(alice, 'extend Console 1m'));
    }
    // Before: each extend was measured from now, and seven of them kept it active for 12 minutes and counting.
    for (const a of answers.slice(0, 4)) expect(a).toContain('Console can be active for at most 5m in all, and this activation already runs its full 5m: activate again when it ends.');
    for (const a of answers.slice(4)) expect(a).toContain('Console is not active for you');
    const audit = await suite.get().app.pim.auditLog(suite.get().actor('erin@example.com'), {});
    expect(audit.filter((e) => e.action === 'refused.extend')).toHaveLength(7);
    expect(audit.filter((e) => e.action === 'activation.extended')).toHaveLength(0);
  });

  it('on a 10-minute role: extends while the whole length fits, then refuses once it would pass 10 minutes', async () => {
    await command(alice, 'activate Short 5m');
    const answers: string[] = [];
    for (let k = 0; k < 7; k++) {
      clock.advance(MIN);
      answers.push(await command(alice, 'extend Short 1m'));
    }
    for (const a of answers.slice(0, 5)) expect(a).toMatch(/\*Short\* at `\/` is extended by 1m/);
    for (const a of answers.slice(5)) expect(a).toContain('already runs its full 10m: activate again when it ends.');
    expect(lengthOf(await activation('Short'))).toBe(10 * MIN);
  });

  it('a long extend is refused with how much more is allowed', async () => {
    await command(alice, 'activate Short 5m');
    clock.advance(MIN);
    expect(await command(alice, 'extend Short 30m')).toContain('Short can be active for at most 10m in all, counted from when this activation started: it can get at most 5m more. Ask for 5m or less, or activate again when it ends.');
    expect(lengthOf(await activation('Short'))).toBe(5 * MIN);
  });
});

describe('extend asks for what activation asks for', () => {
  it('a reason and a ticket: the extension modal opens pre-filled, a bad ticket is shown on its field, then it extends', async () => {
    const { slack, fake, settled } = suite.get();
    await command(alice, 'activate Strict 30m --reason "rotate keys" --ticket INC-1');
    const before = await activation('Strict');
    const opened = fake.callsTo('views.open').length;
    const sent = await slack.command(alice, 'extend Strict 15m --ticket CHG-7');
    const view = await openedView(opened);
    expect(view.callback_id).toBe(EXTEND_VIEW);
    expect(checkBlockKitLimits(view)).toEqual([]);
    const input = (id: string) => view.blocks.find((b: any) => b.block_id === id);
    expect(input(FIELD.duration).element.initial_value).toBe('15m');
    expect(input(FIELD.reason).optional).toBe(false);
    expect(input(FIELD.ticket).optional).toBe(false);
    expect(input(FIELD.ticket).element.initial_value).toBe('CHG-7');
    expect(input(FIELD.code)).toBeUndefined();
    expect(textOf(view.blocks)).toContain('At most 1h30m more');

    const noReason = await slack.submit(alice, view, { [FIELD.duration]: '15m', [FIELD.reason]: ' ', [FIELD.ticket]: 'INC-2' });
    expect(JSON.parse(noReason.body)).toEqual({ response_action: 'errors', errors: { [FIELD.reason]: expect.stringContaining('Strict needs a reason') } });
    const badTicket = await slack.submit(alice, view, { [FIELD.duration]: '15m', [FIELD.reason]: 'still rotating', [FIELD.ticket]: 'CHG-7' });
    expect(JSON.parse(badTicket.body)).toEqual({ response_action: 'errors', errors: { [FIELD.ticket]: expect.stringContaining('does not look like a ticket') } });
    const tooLong = await slack.submit(alice, view, { [FIELD.duration]: '2h', [FIELD.reason]: 'still rotating', [FIELD.ticket]: 'INC-2' });
    expect(JSON.parse(tooLong.body)).toEqual({ response_action: 'errors', errors: { [FIELD.duration]: expect.stringContaining('at most 1h30m more') } });
    expect((await activation('Strict'))?.endsAt).toEqual(before?.endsAt);

    const good = await slack.submit(alice, view, { [FIELD.duration]: '15m', [FIELD.reason]: 'still rotating', [FIELD.ticket]: 'INC-2' });
    expect(good.body).toBe('');
    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks)).toMatch(/\*Strict\* at `\/` is extended by 15m/);
    await settled();
    expect((await activation('Strict'))?.endsAt?.getTime()).toBe((before?.endsAt?.getTime() ?? 0) + 15 * MIN);
  });

  it('typed in full, extends at once; a missing ticket with a reason still opens the modal', async () => {
    const { fake } = suite.get();
    await command(alice, 'activate Strict 30m --reason "rotate keys" --ticket INC-1');
    expect(await command(alice, 'extend Strict 10m --reason "still rotating" --ticket INC-2')).toMatch(/is extended by 10m/);
    const opened = fake.callsTo('views.open').length;
    await suite.get().slack.command(alice, 'extend Strict 10m --reason "more"');
    expect((await openedView(opened)).callback_id).toBe(EXTEND_VIEW);
  });

  it('an MFA code, checked as activation checks it: missing opens the modal, a wrong one is shown on its field, a used one is refused', async () => {
    const { slack, fake, app } = suite.get();
    const store = new DrizzleStore(app.database.db, { clock });
    const { secret } = await store.transaction((uow) => new TotpVerifier({ box: testSecretBox() }).enroll(uow, 'alice@example.com', clock.now()));
    expect(await command(alice, `activate Mfa 30m --code ${totpAt(secret, clock.now())}`)).toMatch(/\*Mfa\* at `\/` is active/);
    clock.advance(MIN); // the next time step: the activation's code is spent
    const opened = fake.callsTo('views.open').length;
    const sent = await slack.command(alice, 'extend Mfa 10m');
    const view = await openedView(opened);
    expect(view.callback_id).toBe(EXTEND_VIEW);
    expect(view.blocks.find((b: any) => b.block_id === FIELD.code)?.optional).toBe(false);
    const code = totpAt(secret, clock.now());
    const wrong = await slack.submit(alice, view, { [FIELD.duration]: '10m', [FIELD.code]: code === '000000' ? '111111' : '000000' });
    expect(JSON.parse(wrong.body)).toEqual({ response_action: 'errors', errors: { [FIELD.code]: expect.stringContaining('not valid') } });
    const good = await slack.submit(alice, view, { [FIELD.duration]: '10m', [FIELD.code]: code });
    expect(good.body).toBe('');
    expect(textOf((await fake.waitForResponse(sent.responseId)).body.blocks)).toMatch(/\*Mfa\* at `\/` is extended by 10m/);
    expect(await command(alice, `extend Mfa 10m --code ${code}`)).toContain('already used');
    expect(lengthOf(await activation('Mfa'))).toBe(40 * MIN);
  });
});

describe('extend through approval', () => {
  /** alice's Gated activation, approved by carol; returns the approval cards posted so far. */
  async function activeGated() {
    const { slack, fake, settled } = suite.get();
    await command(alice, 'activate Gated 30m --reason "incident"');
    const [card] = postedIn(fake, APPROVALS);
    await slack.press(carol, buttonsIn(card?.blocks ?? []).find((b) => b.action_id === APPROVE) as RenderedButton, { channel: APPROVALS, ts: card?.ts ?? '' });
    await settled();
    const a = await activation('Gated');
    if (!a) throw new Error('Gated is not active');
    return a;
  }

  /** The extension card in the approvals channel, as it stands now. */
  const extensionCard = () => postedIn(suite.get().fake, APPROVALS).find((m) => textOf(m.blocks).includes('asks to extend'));

  it('posts an extension card; Approve moves the end and tells alice', async () => {
    const { slack, fake, settled } = suite.get();
    const a = await activeGated();
    clock.advance(5 * MIN);
    const answer = await command(alice, 'extend Gated 20m --reason "still fixing"');
    expect(answer).toMatch(/Extension request `R-[A-Z0-9]+` for \*Gated\* at `\/` \(20m\) is waiting for approval/);
    expect(answer).toContain('Approvers: Carol');
    const card = extensionCard();
    if (!card) throw new Error('no extension card');
    expect(textOf(card.blocks)).toContain('Extension request');
    expect(textOf(card.blocks)).toContain('*Alice* asks to extend *Gated* at `/` by *20m*');
    expect(textOf(card.blocks)).toContain('still fixing');
    expect(buttonsIn(card.blocks).map((b) => b.action_id)).toEqual([APPROVE, DENY]);
    expect((await activation('Gated'))?.endsAt).toEqual(a.endsAt);

    await slack.press(carol, buttonsIn(card.blocks).find((b) => b.action_id === APPROVE) as RenderedButton, { channel: APPROVALS, ts: card.ts });
    await settled();
    expect((await activation('Gated'))?.endsAt?.getTime()).toBe((a.endsAt?.getTime() ?? 0) + 20 * MIN);
    expect(textOf(fake.message(APPROVALS, card.ts)?.blocks ?? [])).toMatch(/Approved by \*Carol\*/);
    // One DM: the decision, with the new end (no separate "extended" message).
    expect(dmsTo(fake, alice).map((c) => textOf(c.args.blocks))).toEqual([
      expect.stringMatching(/approved your request[\s\S]*\*Gated\*[\s\S]*It is active until/),
      expect.stringMatching(/\*Carol\* approved your request[\s\S]*It is extended by 20m; it is active until/),
    ]);
  });

  it('Deny leaves the end where it was', async () => {
    const { slack, fake, settled } = suite.get();
    const a = await activeGated();
    await command(alice, 'extend Gated 20m --reason "still fixing"');
    const card = extensionCard();
    if (!card) throw new Error('no extension card');
    const opened = fake.callsTo('views.open').length;
    await slack.press(carol, buttonsIn(card.blocks).find((b) => b.action_id === DENY) as RenderedButton, { channel: APPROVALS, ts: card.ts });
    const modal = await openedView(opened);
    expect((await slack.submit(carol, modal, { [DENY_REASON]: 'wrap it up' })).body).toBe('');
    await settled();
    expect(textOf(fake.message(APPROVALS, card.ts)?.blocks ?? [])).toMatch(/Denied by \*Carol\*/);
    expect((await activation('Gated'))?.endsAt).toEqual(a.endsAt);
    expect(dmsTo(fake, alice).some((c) => /denied your request/.test(textOf(c.args.blocks)))).toBe(true);
  });

  it('the Extend button opens the modal for the reason, and its submit asks the approvers', async () => {
    const { slack, fake, settled } = suite.get();
    const a = await activeGated();
    const extend: RenderedButton = { action_id: EXTEND, value: hintValue({ role: 'Gated', scope: '/' }), text: { text: 'Extend' } };
    const opened = fake.callsTo('views.open').length;
    const press = await slack.press(alice, extend, { channel: 'D0ALICE', ts: '1700000000.999999', blocks: [] });
    const view = await openedView(opened);
    expect(view.callback_id).toBe(EXTEND_VIEW);
    expect(view.submit.text).toBe('Request');
    expect(view.blocks.find((b: any) => b.block_id === FIELD.duration).element.initial_value).toBe('30m');
    expect((await activation('Gated'))?.endsAt).toEqual(a.endsAt); // nothing extended blindly
    const done = await slack.submit(alice, view, { [FIELD.duration]: '30m', [FIELD.reason]: 'long migration' });
    expect(done.body).toBe('');
    const told = await fake.waitForResponse(press.responseId as string);
    expect(textOf(told.body.blocks)).toMatch(/Extension request `R-[A-Z0-9]+` for \*Gated\*/);
    await settled();
    expect(textOf(extensionCard()?.blocks ?? [])).toContain('long migration');
  });
});

describe('the Extend button on a role that asks for nothing', () => {
  it('opens the modal with what is left when 30 minutes would pass the maximum (home.test.ts: 30 minutes that fit are added at once)', async () => {
    const { slack, fake } = suite.get();
    await command(alice, 'activate Short 5m');
    const extend: RenderedButton = { action_id: EXTEND, value: hintValue({ role: 'Short', scope: '/' }), text: { text: 'Extend' } };
    const opened = fake.callsTo('views.open').length;
    await slack.press(alice, extend, { channel: 'D0ALICE', ts: '1700000000.999999', blocks: [] });
    const view = await openedView(opened);
    expect(view.blocks.find((b: any) => b.block_id === FIELD.duration).element.initial_value).toBe('5m');
    expect(lengthOf(await activation('Short'))).toBe(5 * MIN);
  });
});
