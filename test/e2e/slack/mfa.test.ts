/**
 * MFA over the Slack wire protocol, into the real bot: `/pim mfa enroll` answered ephemerally
 * (the secret stored encrypted), the lockout after 5 wrong codes (the 6th, right code refused;
 * every failure and the lock audited; the security channel told; unlocked when the lock ends on
 * the bot's clock), the approver step-up (Approve opens a modal asking for the code; a submit
 * without a valid code is refused and audited, with one it approves), and, on PostgreSQL,
 * concurrent wrong codes: never more than 5 are checked.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE, APPROVE_CODE, APPROVE_VIEW } from '../../../cards/actions.js';
import { checkBlockKitLimits } from '../../../cards/slack/index.js';
import { ManualClock } from '../../../src/clock.js';
import { rowsOf } from '../../../src/db/rows.js';
import { hotp, timeStep, totpAt } from '../../../src/mfa/totp.js';
import { noteSkippedWithoutPostgres, onPostgres } from '../../support/db.js';
import { buttonsIn, textOf, type SlackUser } from '../../support/fake-slack.js';
import { alice, APPROVALS, carol, postedIn, SECURITY, slackSuite, type Harness } from './harness.js';

const USERS = 12;
const user = (k: number): SlackUser => ({ id: `U0USER${String(k).padStart(2, '0')}`, name: `user${k}` });

const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: carol@example.com, name: Carol, slack: U0CAROL }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
${Array.from({ length: USERS }, (_, i) => `    - { id: user${i + 1}@example.com, name: User ${i + 1}, slack: ${user(i + 1).id} }`).join('\n')}
  groups:
    - { id: sre-leads, members: [carol@example.com] }
admins: [erin@example.com]
channels:
  approvals: { slack: ${APPROVALS} }
  security: { slack: ${SECURITY} }
roles:
  - name: Vault
    scopes: [/]
    policy: { requireMfa: true, requireJustification: false, maxActivation: 2h }
  - name: Owner
    scopes: [/subscriptions/prod]
    policy:
      requireJustification: false
      approval: { required: true, approvers: [group:sre-leads], requireMfa: true }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Vault, type: eligible }
    - { principal: alice@example.com, role: Owner, type: eligible }
${Array.from({ length: USERS }, (_, i) => `    - { principal: user${i + 1}@example.com, role: Owner, type: eligible }`).join('\n')}
`;

/** `/pim <text>` by `who`; resolves with the text of the ephemeral answer. */
async function say(h: Harness, who: SlackUser, text: string): Promise<string> {
  const sent = await h.slack.command(who, text);
  expect(sent.status).toBe(200);
  return textOf((await h.fake.waitForResponse(sent.responseId)).body.blocks);
}

/** `/pim mfa enroll`; returns the key the ephemeral answer shows. */
async function enrol(h: Harness, who: SlackUser): Promise<string> {
  const answer = await say(h, who, 'mfa enroll');
  const key = /([A-Z2-7]{4}(?: [A-Z2-7]{4}){7})/.exec(answer)?.[1];
  if (!key) throw new Error(`no key in the answer: ${answer}`);
  return key.replace(/ /g, '');
}

function wrongCodes(h: Harness, secret: string, n: number): string[] {
  const step = timeStep(h.app.clock.now());
  const valid = new Set([step - 1, step, step + 1].map((s) => hotp(secret, s)));
  return Array.from({ length: n + 3 }, (_, k) => String(400_000 + k * 17)).filter((c) => !valid.has(c)).slice(0, n);
}

const audit = async (h: Harness, action: string) =>
  rowsOf<{ actor: string; subject: string; details: Record<string, unknown> }>(await h.app.database.db.execute(sql`select actor, subject, details from audit_events where action = ${action} order by seq`));

describe('on the bot’s own clock', () => {
  const clock = new ManualClock(new Date());
  const suite = slackSuite({ config: CONFIG, clock });
  beforeAll(suite.setup);
  afterAll(suite.teardown);
  beforeEach(async () => {
    clock.set(new Date());
    await suite.start();
  });
  afterEach(suite.stop);

  it('/pim mfa enroll answers ephemerally with the key, which the table holds only encrypted', async () => {
    const h = suite.get();
    const secret = await enrol(h, alice);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const answer = h.fake.responses.at(-1)?.body;
    expect(answer?.response_type).toBe('ephemeral');
    expect(checkBlockKitLimits(answer)).toEqual([]);
    const rows = rowsOf<Record<string, unknown>>(await h.app.database.db.execute(sql`select * from mfa_secrets`));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(String(rows[0]?.secret)).toMatch(/^v1\.[0-9a-f]{16}\./);
    expect(await say(h, alice, 'mfa enroll')).toMatch(/already have an authenticator enrolled/);
    // Nothing the bot queued holds the secret either.
    expect(JSON.stringify(rowsOf(await h.app.database.db.execute(sql`select payload from outbox`)))).not.toContain(secret);
  });

  it('locks after 5 wrong codes in 15 minutes: the 6th, right code is refused; audited; the security channel told; unlocked 15 minutes later', async () => {
    const h = suite.get();
    const secret = await enrol(h, alice);
    const codes = wrongCodes(h, secret, 5);
    for (const code of codes.slice(0, 4)) expect(await say(h, alice, `activate Vault 1h --code ${code}`)).toMatch(/one-time code is not valid/);
    clock.advance(60_000);
    const until = new Date(clock.now().getTime() + 15 * 60_000);
    expect(await say(h, alice, `activate Vault 1h --code ${codes[4]}`)).toMatch(/too many wrong codes: your MFA is locked until/);
    const refused = await say(h, alice, `activate Vault 1h --code ${totpAt(secret, clock.now())}`);
    expect(refused).toContain(`locked until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    expect(refused).toMatch(/not even the right one/);
    expect((await h.app.pim.myRoles(h.actor('alice@example.com'))).find((r) => r.role === 'Vault')?.active).toBeNull();

    expect((await audit(h, 'mfa.failed')).map((e) => [e.actor, e.details.failures, e.details.platform])).toEqual([1, 2, 3, 4, 5].map((n) => ['alice@example.com', n, 'slack']));
    expect(await audit(h, 'mfa.locked')).toEqual([expect.objectContaining({ subject: 'principal:alice@example.com', details: expect.objectContaining({ until: until.toISOString(), failures: 5 }) })]);
    expect((await audit(h, 'refused.activate')).map((e) => e.details.code)).toEqual(['mfa_invalid', 'mfa_invalid', 'mfa_invalid', 'mfa_invalid', 'mfa_invalid', 'mfa_locked']);

    await h.settled();
    const [notice] = postedIn(h.fake, SECURITY);
    expect(textOf(notice?.blocks ?? [])).toMatch(/MFA is locked for \*Alice\* until .*5 wrong codes within 15m/);
    expect(checkBlockKitLimits(notice)).toEqual([]);
    expect(h.fake.callsTo('chat.postMessage', (c) => c.args.channel === alice.id && /MFA is locked/.test(textOf(c.args.blocks)))).toHaveLength(1);

    clock.set(until);
    expect(await say(h, alice, `activate Vault 1h --code ${totpAt(secret, clock.now())}`)).toMatch(/Vault/);
    expect((await h.app.pim.myRoles(h.actor('alice@example.com'))).find((r) => r.role === 'Vault')?.active).not.toBeNull();
  });
});

describe('approver step-up and concurrency', () => {
  const suite = slackSuite({ config: CONFIG });
  beforeAll(suite.setup);
  afterAll(suite.teardown);
  beforeEach(suite.start);
  afterEach(suite.stop);

  /** `who` asks for Owner; resolves with the approval card and its Approve button. */
  async function requestOwner(h: Harness, who: SlackUser) {
    await say(h, who, 'activate Owner 1h');
    await h.settled();
    const card = postedIn(h.fake, APPROVALS).at(-1);
    if (!card) throw new Error('no approval card');
    const approve = buttonsIn(card.blocks).find((b) => b.action_id === APPROVE);
    const requestId = JSON.parse(approve?.value ?? '{}').requestId as string;
    return { card, approve: approve as NonNullable<typeof approve>, requestId };
  }

  it('Approve opens a modal asking for the code; without a valid code it is refused (audited) and nothing changes; with one it approves', async () => {
    const h = suite.get();
    const secret = await enrol(h, carol);
    const { card, approve, requestId } = await requestOwner(h, alice);
    const stateOf = async () => (await h.app.pim.getRequest(requestId))?.state;

    const press = await h.slack.press(carol, approve, { channel: card.channel, ts: card.ts });
    expect(press.status).toBe(200);
    const opened = await h.fake.waitForCall('views.open', (c) => c.args.trigger_id === press.triggerId);
    const view = opened.args.view;
    expect(view.callback_id).toBe(APPROVE_VIEW);
    expect(view.blocks.find((b: { block_id?: string }) => b.block_id === APPROVE_CODE)).toMatchObject({ type: 'input', optional: false });
    expect(checkBlockKitLimits(view)).toEqual([]);
    expect(await stateOf()).toBe('pending_approval');

    // Submitted without a code (a crafted submit: Slack itself would not send it empty).
    const empty = await h.slack.submit(carol, view, { [APPROVE_CODE]: '' });
    expect(JSON.parse(empty.body)).toMatchObject({ response_action: 'errors', errors: { [APPROVE_CODE]: expect.stringMatching(/Approving requests for Owner needs a one-time code/) } });
    expect(await stateOf()).toBe('pending_approval');
    expect((await audit(h, 'refused.approve')).at(-1)?.details).toMatchObject({ code: 'mfa_required', requestId, principal: 'carol@example.com' });

    const [wrong] = wrongCodes(h, secret, 1);
    const bad = await h.slack.submit(carol, view, { [APPROVE_CODE]: wrong as string });
    expect(JSON.parse(bad.body)).toMatchObject({ response_action: 'errors', errors: { [APPROVE_CODE]: expect.stringMatching(/not valid/) } });
    expect(await stateOf()).toBe('pending_approval');
    expect((await audit(h, 'mfa.failed')).at(-1)).toMatchObject({ actor: 'carol@example.com', details: { during: 'approve', requestId, failures: 1 } });

    const good = await h.slack.submit(carol, view, { [APPROVE_CODE]: totpAt(secret, h.app.clock.now()) });
    expect(good.status).toBe(200);
    expect(good.body).toBe('');
    const update = await h.fake.waitForCall('chat.update', (c) => c.args.channel === APPROVALS && c.args.ts === card.ts);
    expect(textOf(update.args.blocks)).toMatch(/✅ Approved by \*Carol\*/);
    await h.settled();
    expect(await stateOf()).toBe('active');
  });

  it('/pim approve needs --code on such a request, and takes it', async () => {
    const h = suite.get();
    const secret = await enrol(h, carol);
    const { requestId } = await requestOwner(h, alice);
    expect(await say(h, carol, `approve ${requestId}`)).toMatch(/needs a one-time code from your authenticator app\. Add --code/);
    expect((await h.app.pim.getRequest(requestId))?.state).toBe('pending_approval');
    expect(await say(h, carol, `approve ${requestId} --code ${totpAt(secret, h.app.clock.now())}`)).toMatch(/approved/i);
    expect((await h.app.pim.getRequest(requestId))?.state).toBe('active');
  });

  noteSkippedWithoutPostgres('concurrent wrong MFA codes over Slack');

  it.runIf(onPostgres)(`${USERS} concurrent /pim approve with wrong codes on ${USERS} requests: exactly 5 codes are checked, the rest are refused as locked`, async () => {
    const h = suite.get();
    const secret = await enrol(h, carol);
    const ids: string[] = [];
    for (let k = 1; k <= USERS; k++) ids.push((await h.app.pim.activate(h.actor(`user${k}@example.com`), { role: 'Owner', durationMs: 3600_000 })).request.id);
    const codes = wrongCodes(h, secret, USERS);
    const sent = await Promise.all(ids.map((id, k) => h.slack.command(carol, `approve ${id} --code ${codes[k]}`)));
    const answers = await Promise.all(sent.map(async (s) => textOf((await h.fake.waitForResponse(s.responseId, () => true, { timeoutMs: 20_000 })).body.blocks)));
    expect(answers.filter((a) => /one-time code is not valid/.test(a))).toHaveLength(5);
    expect(answers.filter((a) => /Your MFA is locked until/.test(a))).toHaveLength(USERS - 5);
    expect(await audit(h, 'mfa.failed')).toHaveLength(5);
    expect(await audit(h, 'mfa.locked')).toHaveLength(1);
    for (const id of ids) expect((await h.app.pim.getRequest(id))?.state).toBe('pending_approval');
  });
});
