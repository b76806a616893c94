/**
 * The App Home tab and the buttons on it and on messages: Activate opens the modal, Deactivate,
 * Cancel and Extend act through the core, Approve works from the Home too, and the Home is
 * republished after each change made from it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVATE_OPEN, ACTIVATE_VIEW, APPROVE, CANCEL, DEACTIVATE, EXTEND, FIELD, hintValue } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { buttonsIn, textOf, type RenderedButton } from '../../support/fake-slack.js';
import { alice, APPROVALS, carol, dmsTo, postedIn, slackSuite, stranger } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

async function openHome(user: { id: string }) {
  const { slack, fake, settled } = suite.get();
  const before = fake.callsTo('views.publish', (c) => c.args.user_id === user.id).length;
  const sent = await slack.event({ type: 'app_home_opened', user: user.id, channel: `D${user.id.slice(1)}`, tab: 'home' });
  expect(sent.status).toBe(200);
  await fake.waitForCall('views.publish', (c) => c.args.user_id === user.id && fake.callsTo('views.publish', (x) => x.args.user_id === user.id).length > before);
  await settled();
  return fake.homes.get(user.id);
}

const buttonFor = (blocks: any[], action: string, near: string): RenderedButton => {
  const b = buttonsIn(blocks).find((x) => x.action_id === action && (x.value ?? '').includes(near));
  if (!b) throw new Error(`no ${action} button for ${near}`);
  return b;
};

describe('App Home', () => {
  it('publishes the user’s roles with Activate buttons when the tab is opened, and nothing for the Messages tab', async () => {
    const { slack, fake, settled } = suite.get();
    const home = await openHome(alice);
    expect(home.type).toBe('home');
    expect(checkBlockKitLimits(home)).toEqual([]);
    const text = textOf(home.blocks);
    for (const role of ['Reader', 'Contributor', 'Owner']) expect(text).toContain(`*${role}*`);
    expect(buttonsIn(home.blocks).filter((b) => b.action_id === ACTIVATE_OPEN)).toHaveLength(3);

    await slack.event({ type: 'app_home_opened', user: alice.id, channel: 'D0ALICE', tab: 'messages' });
    await settled();
    expect(fake.callsTo('views.publish')).toHaveLength(1);
  });

  it('tells a user who is not in the directory to ask a PIM admin', async () => {
    const home = await openHome(stranger);
    expect(textOf(home.blocks)).toContain('Ask a PIM admin');
  });

  it('activates from the Home through the modal, republishes it, then deactivates from it', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const home = await openHome(alice);
    const press = await slack.press(alice, buttonFor(home.blocks, ACTIVATE_OPEN, 'Reader'), 'home');
    expect(press.responseId).toBeNull();
    const open = await fake.waitForCall('views.open');
    expect(open.args.trigger_id).toBe(press.triggerId);
    expect(open.args.view.callback_id).toBe(ACTIVATE_VIEW);

    const publishes = fake.callsTo('views.publish').length;
    const submitted = await slack.submit(alice, open.args.view, { [FIELD.duration]: '30m' });
    expect(submitted.body).toBe('');
    await fake.waitForCall('views.publish', () => fake.callsTo('views.publish').length > publishes);
    await settled();
    const after = fake.homes.get(alice.id);
    expect(textOf(after.blocks)).toMatch(/Active until/);
    expect((await app.pim.myRoles(actor('alice@example.com'))).find((r) => r.role === 'Reader')?.active).toBeTruthy();

    await slack.press(alice, buttonFor(after.blocks, DEACTIVATE, 'Reader'), 'home');
    await settled();
    expect((await app.pim.myRoles(actor('alice@example.com'))).find((r) => r.role === 'Reader')?.active).toBeNull();
    expect(textOf(fake.homes.get(alice.id).blocks)).not.toMatch(/Active until/);
    // The Home says so; no DM repeats it.
    expect(dmsTo(fake, alice)).toEqual([]);
  });

  it('lets an approver approve from the Home, updating the card in the channel', async () => {
    const { slack, fake, settled, app } = suite.get();
    const sent = await slack.command(alice, 'activate Owner 1h --reason "deploy hotfix"');
    await fake.waitForResponse(sent.responseId);
    await settled();
    const home = await openHome(carol);
    expect(textOf(home.blocks)).toContain('asks to activate *Owner*');
    const requestId = (await app.pim.myRequests(app.pim.actorFor('alice@example.com', 'slack')))[0]?.id ?? '';
    await slack.press(carol, buttonFor(home.blocks, APPROVE, requestId), 'home');
    await settled();
    const [card] = postedIn(fake, APPROVALS);
    expect(textOf(card?.blocks ?? [])).toMatch(/Approved by \*Carol\*/);
    expect(textOf(fake.homes.get(carol.id).blocks)).not.toContain(requestId);
    expect((await app.pim.getRequest(requestId))?.state).toBe('active');
  });
});

describe('buttons on messages', () => {
  it('cancels a pending request from the answer that says it waits', async () => {
    const { slack, fake, settled, app } = suite.get();
    const sent = await slack.command(alice, 'activate Owner 1h --reason "deploy hotfix"');
    const answer = await fake.waitForResponse(sent.responseId);
    await settled();
    expect(dmsTo(fake, alice)).toEqual([]);
    const press = await slack.press(alice, buttonsIn(answer.body.blocks).find((b) => b.action_id === CANCEL) as RenderedButton, { channel: 'D0ALICE', ts: 'ephemeral' });
    const told = await fake.waitForResponse(press.responseId as string);
    expect(textOf(told.body.blocks)).toMatch(/Request `R-[A-Z0-9]+` for \*Owner\* .* is canceled/);
    await settled();
    const [card] = postedIn(fake, APPROVALS);
    expect(textOf(card?.blocks ?? [])).toContain('Canceled before a decision');
    expect(buttonsIn(card?.blocks ?? [])).toEqual([]);
    // The answer pressed is replaced in place: it says canceled, and its Cancel button is gone.
    const replaced = await fake.waitForResponse(sent.responseId, (b) => b.replace_original === true);
    expect(textOf(replaced.body.blocks)).toContain('Canceled before a decision');
    expect(buttonsIn(replaced.body.blocks)).toEqual([]);
    const requestId = /R-[A-Z0-9]+/.exec(textOf(told.body.blocks))?.[0] ?? '';
    expect((await app.pim.getRequest(requestId))?.state).toBe('canceled');
  });

  it('extends an active role by 30 minutes from an expiry warning’s Extend button', async () => {
    const { slack, fake, settled, app, actor } = suite.get();
    const sent = await slack.command(alice, 'activate Reader 1h');
    await fake.waitForResponse(sent.responseId);
    await settled();
    const before = (await app.pim.myRoles(actor('alice@example.com'))).find((r) => r.role === 'Reader')?.active?.endsAt?.getTime() ?? 0;
    // An expiry warning's Extend button, as the scheduler's DM carries it.
    const extend: RenderedButton = { action_id: EXTEND, value: hintValue({ role: 'Reader', scope: '/' }), text: { text: 'Extend' } };
    const press = await slack.press(alice, extend, { channel: 'D0ALICE', ts: '1700000000.999999', blocks: [] });
    const told = await fake.waitForResponse(press.responseId as string);
    expect(textOf(told.body.blocks)).toMatch(/\*Reader\* at `\/` is extended by 30m/);
    const after = (await app.pim.myRoles(actor('alice@example.com'))).find((r) => r.role === 'Reader')?.active?.endsAt?.getTime() ?? 0;
    expect(after - before).toBe(30 * 60_000);

    const notActive: RenderedButton = { ...extend, value: hintValue({ role: 'Contributor', scope: '/subscriptions/dev' }) };
    const press2 = await slack.press(alice, notActive, { channel: 'D0ALICE', ts: '1700000000.999999', blocks: [] });
    expect(textOf((await fake.waitForResponse(press2.responseId as string)).body.blocks)).toContain('Contributor is not active for you');
  });

  it('answers a button with an unreadable hint by saying it is out of date', async () => {
    const { slack, fake } = suite.get();
    const press = await slack.press(alice, { action_id: DEACTIVATE, value: 'not json' }, { channel: 'D0ALICE', ts: '1700000000.999999', blocks: [] });
    expect(textOf((await fake.waitForResponse(press.responseId as string)).body.blocks)).toContain('This button is out of date');
  });
});
