/**
 * `/pim activate` over the Slack wire protocol: a role without approval activates at once, and a
 * policy that needs more than was typed opens the activation modal pre-filled with what was typed.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVATE_VIEW, FIELD } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { textOf } from '../../support/fake-slack.js';
import { alice, dmsTo, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

const activeRoles = async (principalId: string) => {
  const h = suite.get();
  return (await h.app.pim.myRoles(h.actor(principalId))).filter((r) => r.active).map((r) => r.role);
};

describe('/pim activate on a role without approval', () => {
  it('acks with an empty 200, answers ephemerally until when, and sends no DM on top', async () => {
    const { slack, fake, settled } = suite.get();
    const sent = await slack.command(alice, 'activate Reader 1h');
    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');

    const answer = await fake.waitForResponse(sent.responseId);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(textOf(answer.body.blocks)).toMatch(/\*Reader\* at `\/` is active until \d\d:\d\d UTC \(in 1h\)/);
    expect(checkBlockKitLimits(answer.body)).toEqual([]);

    await settled();
    // The answer is Alice's one message about it: no "Alice activated Reader" DM repeats it.
    expect(dmsTo(fake, alice)).toEqual([]);
    expect(await activeRoles('alice@example.com')).toEqual(['Reader']);
  });

  it('answers a refusal ephemerally and changes nothing', async () => {
    const { slack, fake, settled } = suite.get();
    const sent = await slack.command(alice, 'activate Reader 12h');
    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks)).toContain('Reader can be active for at most 8h');
    await settled();
    expect(await activeRoles('alice@example.com')).toEqual([]);
    expect(dmsTo(fake, alice)).toEqual([]);
  });

  it('answers /pim roles with the caller’s roles and Activate buttons', async () => {
    const { slack, fake } = suite.get();
    const sent = await slack.command(alice, 'roles');
    const answer = await fake.waitForResponse(sent.responseId);
    const text = textOf(answer.body.blocks);
    for (const role of ['Reader', 'Contributor', 'Owner']) expect(text).toContain(`*${role}*`);
    expect(checkBlockKitLimits(answer.body)).toEqual([]);
  });
});

describe('other commands', () => {
  it('answers help, and an unknown command with what to type instead', async () => {
    const { slack, fake } = suite.get();
    const help = await slack.command(alice, 'help');
    expect(textOf((await fake.waitForResponse(help.responseId)).body.blocks)).toContain('activate &lt;role&gt;');
    const typo = await slack.command(alice, 'actvate Reader');
    const told = await fake.waitForResponse(typo.responseId);
    expect(told.body.response_type).toBe('ephemeral');
    // One sentence and the closest command's usage, not the whole list run together.
    expect(textOf(told.body.blocks)).toContain('⚠️ Unknown command `actvate`. Try `help`. Closest: `activate`.');
    expect(textOf(told.body.blocks)).toContain('Usage: `activate &lt;role&gt; [&lt;duration&gt;]');
    expect(textOf(told.body.blocks)).not.toContain('Commands:');
  });

  it('uploads an admin’s audit export as a CSV file into their DM, one line per audit row', async () => {
    const { slack, fake, settled, app } = suite.get();
    await fake.waitForResponse((await slack.command(alice, 'activate Reader 1h')).responseId);
    await settled();
    const sent = await slack.command({ id: 'U0ERIN', name: 'erin' }, 'audit --csv');
    const text = textOf((await fake.waitForResponse(sent.responseId)).body.blocks);
    expect(text).toMatch(/Audit export: \d+ events\. The file pim-audit-\d{4}-\d{2}-\d{2}\.csv is in your DM with pimbot\./);
    const files = [...fake.files.values()];
    expect(files).toHaveLength(1);
    const file = files[0]!;
    expect(file).toMatchObject({ channel: 'D0ERIN', title: file.filename });
    expect(file.filename).toMatch(/^pim-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(file.length).toBe(Buffer.byteLength(file.content!));
    const lines = file.content!.trimEnd().split('\n');
    expect(lines[0]).toBe('seq,at,actor,action,subject,details');
    // Every row of the audit table, newest first, by its sequence number and action.
    const table = await app.pim.auditLog(suite.get().actor('erin@example.com'), { limit: 10_000 });
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).filter((_, k) => k !== 1 && k !== 2).join(' '))).toEqual(table.map((e) => `${e.seq} ${e.action}`));
    expect(text).not.toContain('seq,at,actor');
  });

  it('shows the export inline when the app may not upload files, saying which scope it lacks', async () => {
    const { slack, fake } = suite.get();
    fake.failNext('files.getUploadURLExternal', 'missing_scope');
    const sent = await slack.command({ id: 'U0ERIN', name: 'erin' }, 'audit --csv');
    const text = textOf((await fake.waitForResponse(sent.responseId)).body.blocks);
    expect(text).toContain('add the files:write scope');
    expect(text).toContain('seq,at,actor,action,subject,details');
    expect(fake.files.size).toBe(0);
  });
});

describe('/pim activate when the policy needs a reason', () => {
  it('opens the modal pre-filled, shows a missing reason on its field, then activates', async () => {
    const { slack, fake, settled } = suite.get();
    const sent = await slack.command(alice, 'activate Contributor 2h --ticket INC-7');
    expect(sent.status).toBe(200);

    const open = await fake.waitForCall('views.open');
    expect(open.args.trigger_id).toBe(sent.triggerId);
    const view = open.args.view;
    expect(view.callback_id).toBe(ACTIVATE_VIEW);
    expect(checkBlockKitLimits(view)).toEqual([]);
    const input = (id: string) => view.blocks.find((b: any) => b.block_id === id);
    expect(input(FIELD.duration).element.initial_value).toBe('2h');
    expect(input(FIELD.ticket).element.initial_value).toBe('INC-7');
    expect(input(FIELD.reason).optional).toBe(false);

    const empty = await slack.submit(alice, view, { [FIELD.duration]: '2h', [FIELD.reason]: '   ', [FIELD.ticket]: 'INC-7' });
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { [FIELD.reason]: expect.stringContaining('needs a reason') } });
    await settled();
    expect(await activeRoles('alice@example.com')).toEqual([]);

    const bad = await slack.submit(alice, view, { [FIELD.duration]: 'soon', [FIELD.reason]: 'rotate keys' });
    expect(JSON.parse(bad.body)).toEqual({ response_action: 'errors', errors: { [FIELD.duration]: expect.stringContaining('is not a duration') } });

    const good = await slack.submit(alice, view, { [FIELD.duration]: '2h', [FIELD.reason]: 'rotate keys' });
    expect(good.status).toBe(200);
    expect(good.body).toBe('');
    const answer = await fake.waitForResponse(sent.responseId);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(textOf(answer.body.blocks)).toMatch(/\*Contributor\* at `\/subscriptions\/dev` is active until .*\(in 2h\)/);
    expect(await activeRoles('alice@example.com')).toEqual(['Contributor']);

    // The same submission delivered again (same trigger id) is acknowledged and not run twice.
    const again = await slack.submit(alice, view, { [FIELD.duration]: '2h', [FIELD.reason]: 'rotate keys' }, { triggerId: good.triggerId });
    expect(again.status).toBe(200);
    expect(again.body).toBe('');
    await settled();
    expect(fake.responses.filter((r) => r.id === sent.responseId)).toHaveLength(1);
    expect(dmsTo(fake, alice)).toEqual([]);
    expect(await activeRoles('alice@example.com')).toEqual(['Contributor']);
  });
});

describe('answers that outlive their response URL', () => {
  it('go by DM when the command’s response URL has expired by the time the modal is submitted', async () => {
    const { slack, fake } = suite.get();
    const sent = await slack.command(alice, 'activate Contributor 1h');
    const open = await fake.waitForCall('views.open');
    fake.expireResponseUrl(sent.responseId);
    const submitted = await slack.submit(alice, open.args.view, { [FIELD.duration]: '1h', [FIELD.reason]: 'late night' });
    expect(submitted.body).toBe('');
    const dm = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === alice.id && /is active until/.test(textOf(c.args.blocks)));
    expect(textOf(dm.args.blocks)).toContain('*Contributor* at `/subscriptions/dev` is active until');
  });
});
