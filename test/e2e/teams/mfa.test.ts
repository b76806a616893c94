/**
 * MFA in Teams, over Bot Framework activities into the real bot: `mfa enroll` answered only in a
 * personal chat (the secret stored encrypted), the lockout after 5 wrong codes (the 6th, right
 * code refused; audited; the security channel told; unlocked when the lock ends on the bot's
 * clock), and the approver step-up: the approval card carries a code input, Approve without a
 * valid code is refused (audited) and changes nothing, with one it approves.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE, APPROVE_CODE } from '../../../cards/actions.js';
import type { OffsetClock } from '../../../src/clock.js';
import { rowsOf } from '../../../src/db/rows.js';
import { hotp, timeStep, totpAt } from '../../../src/mfa/totp.js';
import { cardOf, cardText, executeActions, isPost, type ConnectorCall } from '../../support/fake-connector.js';
import { APPROVALS_CHANNEL, CONFIG_YAML, SECURITY_CHANNEL, baseActivity, cardProblems, personalChat, startTeamsBot, type TeamsBot, type Who } from './harness.js';

const MESSAGE = 'application/vnd.microsoft.activity.message';
const CARD = 'application/vnd.microsoft.card.adaptive';

/** The harness config, with Owner's approvers asked for a code and a Vault role that needs one to activate. */
const YAML = CONFIG_YAML.replace('approval: { required: true, approvers: [group:sre-leads] }', 'approval: { required: true, approvers: [group:sre-leads], requireMfa: true }')
  .replace('bootstrap:\n', '  - name: Vault\n    scopes: [/]\n    policy: { requireMfa: true, requireJustification: false, maxActivation: 1h }\nbootstrap:\n')
  .replace('  assignments:\n', '  assignments:\n    - { principal: alice@example.com, role: Vault, type: eligible }\n    - { principal: bob@example.com, role: Vault, type: eligible }\n');

let bot: TeamsBot;
beforeAll(async () => {
  bot = await startTeamsBot({ yaml: YAML });
});
afterAll(async () => {
  await bot?.close();
});
beforeEach(() => bot.connector.clear());

const now = () => bot.app.clock.now();
/** `who` types `text` in their personal chat; resolves with the text of the bot's answer to it (not a notice sent meanwhile, like the lockout DM). */
async function say(who: Who, text: string): Promise<string> {
  const activity: Record<string, unknown> = { ...baseActivity(who, bot.connector.url), type: 'message', text, textFormat: 'plain' };
  expect((await bot.post(activity)).status).toBe(200);
  const answer = (c: ConnectorCall) => c.kind === 'reply' && c.conversationId === personalChat(who) && c.activityId === activity.id;
  return cardText(cardOf((await bot.connector.waitFor(answer)).body));
}

/** `mfa enroll` in `who`'s personal chat; returns the secret the answer shows. */
async function enrol(who: Who): Promise<string> {
  const answer = await say(who, 'pim mfa enroll');
  const key = /([A-Z2-7]{4}(?: [A-Z2-7]{4}){7})/.exec(answer)?.[1];
  if (!key) throw new Error(`no key in the answer: ${answer}`);
  return key.replace(/ /g, '');
}

function wrongCodes(secret: string, n: number): string[] {
  const step = timeStep(now());
  const valid = new Set([step - 1, step, step + 1].map((s) => hotp(secret, s)));
  return Array.from({ length: n + 3 }, (_, k) => String(200_000 + k * 31)).filter((c) => !valid.has(c)).slice(0, n);
}

const audit = async (action: string) =>
  rowsOf<{ actor: string; details: Record<string, unknown> }>(await bot.database.db.execute(sql`select actor, details from audit_events where action = ${action} order by seq`));

describe('mfa enroll in Teams', () => {
  it('answers in the personal chat with the key, stored only encrypted; a second enrolment is refused', async () => {
    const secret = await enrol('bob');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const rows = rowsOf<Record<string, unknown>>(await bot.database.db.execute(sql`select * from mfa_secrets where principal_id = 'bob@example.com'`));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(String(rows[0]?.secret)).toMatch(/^v1\./);
    expect(await say('bob', 'pim mfa enroll')).toMatch(/already have an authenticator enrolled/);
    expect((await audit('mfa.enrolled')).map((e) => e.details.principal)).toEqual(['bob@example.com']);
  });

  it('refuses in a channel, where others would read the key', async () => {
    bot.connector.clear();
    await bot.message('frank', 'pim mfa enroll', { channel: APPROVALS_CHANNEL });
    const call = await bot.connector.waitFor((c) => c.kind === 'reply' && (c.conversationId ?? '').startsWith(APPROVALS_CHANNEL));
    expect(cardText(cardOf(call.body))).toMatch(/personal chat/);
    expect(rowsOf(await bot.database.db.execute(sql`select 1 from mfa_secrets where principal_id = 'frank@example.com'`))).toEqual([]);
  });
});

describe('MFA lockout in Teams', () => {
  it('locks after 5 wrong codes: the 6th, right, is refused, the security channel is told, and it unlocks after 15 minutes', async () => {
    const secret = await enrol('alice');
    const codes = wrongCodes(secret, 5);
    for (const code of codes.slice(0, 4)) expect(await say('alice', `pim activate Vault 30m --code ${code}`)).toMatch(/not valid/);
    expect(await say('alice', `pim activate Vault 30m --code ${codes[4]}`)).toMatch(/too many wrong codes: your MFA is locked until/);
    expect(await say('alice', `pim activate Vault 30m --code ${totpAt(secret, now())}`)).toMatch(/MFA is locked until .* not even the right one/);
    expect((await bot.app.pim.myRoles(bot.app.pim.actorFor('alice@example.com', 'teams'))).find((r) => r.role === 'Vault')?.active).toBeNull();

    expect((await audit('mfa.failed')).filter((e) => e.actor === 'alice@example.com').map((e) => e.details.failures)).toEqual([1, 2, 3, 4, 5]);
    expect((await audit('mfa.locked')).map((e) => e.details.principal)).toEqual(['alice@example.com']);
    const told = await bot.connector.waitFor((c) => isPost(c) && c.conversationId === SECURITY_CHANNEL && /MFA is locked for/.test(cardText(cardOf(c.body))));
    expect(cardText(cardOf(told.body))).toMatch(/Alice/);
    expect(cardProblems(cardOf(told.body))).toEqual([]);

    (bot.app.clock as OffsetClock).advance(15 * 60_000);
    expect(await say('alice', `pim activate Vault 30m --code ${totpAt(secret, now())}`)).toMatch(/Vault/);
    expect((await bot.app.pim.myRoles(bot.app.pim.actorFor('alice@example.com', 'teams'))).find((r) => r.role === 'Vault')?.active).not.toBeNull();
  });
});

describe('approver step-up in Teams (approval.requireMfa)', () => {
  let requestId: string;
  let carolSecret: string;

  beforeAll(async () => {
    carolSecret = await enrol('carol');
    bot.connector.clear();
    await bot.message('dave', 'pim activate Owner 30m --reason "rotate the keys" --ticket INC-7');
    const post = await bot.connector.waitFor((c) => isPost(c) && c.conversationId === APPROVALS_CHANNEL && executeActions(cardOf(c.body)).some((a) => a.verb === APPROVE));
    requestId = executeActions(cardOf(post.body)).find((a) => a.verb === APPROVE)?.data.requestId as string;
    const card = cardOf(post.body);
    expect(JSON.stringify(card.body)).toContain(APPROVE_CODE);
    expect(card.body.find((b: { id?: string }) => b.id === APPROVE_CODE)).toMatchObject({ type: 'Input.Text', label: 'MFA code (needed to approve)' });
    expect(cardProblems(card)).toEqual([]);
  });

  const stateOf = async () => (await bot.app.pim.getRequest(requestId))?.state;

  it('refuses Approve without a code: audited, nothing changes', async () => {
    const res = await bot.invoke('carol', APPROVE, { requestId }, { channel: APPROVALS_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: MESSAGE });
    expect(res.body.value).toMatch(/Approving requests for Owner needs a one-time code/);
    expect(await stateOf()).toBe('pending_approval');
    expect((await audit('refused.approve')).at(-1)).toMatchObject({ actor: 'carol@example.com', details: { code: 'mfa_required', requestId } });
  });

  it('refuses Approve with a wrong code, counted and audited', async () => {
    const [wrong] = wrongCodes(carolSecret, 1);
    const res = await bot.invoke('carol', APPROVE, { requestId, [APPROVE_CODE]: wrong }, { channel: APPROVALS_CHANNEL });
    expect(res.body.value).toMatch(/not valid/);
    expect(await stateOf()).toBe('pending_approval');
    expect((await audit('mfa.failed')).filter((e) => e.actor === 'carol@example.com').at(-1)?.details).toMatchObject({ during: 'approve', requestId, failures: 1 });
  });

  it('approves with the right code from the card input, and the card loses its buttons and input', async () => {
    const res = await bot.invoke('carol', APPROVE, { requestId, [APPROVE_CODE]: totpAt(carolSecret, now()) }, { channel: APPROVALS_CHANNEL });
    expect(res.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(executeActions(res.body.value).map((a) => a.verb)).not.toContain(APPROVE);
    expect(JSON.stringify(res.body.value)).not.toContain(APPROVE_CODE);
    expect(await stateOf()).toBe('active');
  });
});
