/**
 * Real grants through the real bot: Slack on the front, the entra provider behind, against a
 * local fake Entra ID token endpoint and fake Microsoft Graph. Activation -> expiry sends the
 * documented requests; a 403 fails the request with Microsoft's reason told to the requester; a
 * 429 is waited out and the grant made. The azure provider likewise against a fake ARM.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../../src/clock.js';
import { rowsOf } from '../../../src/db/rows.js';
import { eventually, textOf, type SlackUser } from '../../support/fake-slack.js';
import { CLIENT_ID, CLIENT_SECRET, FakeMicrosoft, TENANT } from '../../support/fake-microsoft.js';
import { dmsTo, slackSuite } from './harness.js';

const HOUR = 60 * 60_000;
const SECRET_ENV = 'PIM_E2E_ENTRA_SECRET';
const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const DENIED = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const GROUP = '0b6e1d2c-0000-4000-8000-0000000000aa';
const ALICE_OID = '6f1a0c2e-0000-4000-8000-000000000001';
const AZ_SCOPE = '/subscriptions/00000000-0000-4000-8000-000000000001';
const AZ_TARGET = `${AZ_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`;
const alice: SlackUser = { id: 'U0ALICE', name: 'alice' };

const ms = await FakeMicrosoft.start();
const clock = new OffsetClock();
const suite = slackSuite({
  workThread: 'off',
  clock,
  config: `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE, teams: ${ALICE_OID} }
slack: { teamIds: [T0PIM] }
channels:
  approvals: { slack: C0APPROVALS }
providers:
  entra:
    type: entra
    tenantId: ${TENANT}
    clientId: ${CLIENT_ID}
    clientSecretEnv: ${SECRET_ENV}
    authority: ${ms.url}
    graphUrl: ${ms.graphUrl}
  arm:
    type: azure
    tenantId: ${TENANT}
    clientId: ${CLIENT_ID}
    clientSecretEnv: ${SECRET_ENV}
    authority: ${ms.url}
    armUrl: ${ms.armUrl}
roles:
  - name: AzOwner
    provider: arm
    target: ${AZ_TARGET}
    scopes: [/subscriptions/prod]
    policy: { requireJustification: false }
  - { name: GlobalAdmin, provider: entra, target: ${ROLE}, policy: { requireJustification: false, maxActivation: 2h } }
  - { name: UserAdmin, provider: entra, target: ${DENIED}, policy: { requireJustification: false } }
  - { name: SreOwners, provider: entra, target: "group:${GROUP}:owner", policy: { requireJustification: false } }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: GlobalAdmin, type: eligible }
    - { principal: alice@example.com, role: UserAdmin, type: eligible }
    - { principal: alice@example.com, role: SreOwners, type: eligible }
    - { principal: alice@example.com, role: AzOwner, type: eligible }
`,
});

beforeAll(async () => {
  process.env[SECRET_ENV] = CLIENT_SECRET;
  await suite.setup();
});
afterAll(async () => {
  await suite.teardown();
  await ms.close();
  delete process.env[SECRET_ENV];
});
beforeEach(async () => {
  ms.reset();
  await suite.start();
});
afterEach(() => suite.stop());

const requests = (path: string) => ms.apiCalls().filter((r) => r.method === 'POST' && r.path === `/v1.0${path}`);

describe('activation -> expiry through the entra provider', () => {
  it('adminAssign with the activation’s end on activation, adminRemove at its end', async () => {
    const { slack, fake, settled, app } = suite.get();
    await fake.waitForResponse((await slack.command(alice, 'activate GlobalAdmin 1h')).responseId);
    await settled();
    expect(textOf(dmsTo(fake, alice).at(-1)?.args.blocks ?? [])).toMatch(/Your \*GlobalAdmin\* at `\/` is active until/);
    const [assign] = requests('/roleManagement/directory/roleAssignmentScheduleRequests');
    expect(assign?.body).toMatchObject({ action: 'adminAssign', roleDefinitionId: ROLE, directoryScopeId: '/', principalId: ALICE_OID, scheduleInfo: { expiration: { type: 'afterDateTime' } } });
    const [active] = rowsOf(await app.database.db.execute(sql`select ends_at from assignments where type = 'active'`)) as { ends_at: Date | string }[];
    const endsAt = new Date(active?.ends_at as string).getTime();
    // Entra's own end is the activation's (give or take the moment the provider confirmed it).
    expect(Math.abs(Date.parse(assign?.body.scheduleInfo.expiration.endDateTime) - endsAt)).toBeLessThan(5_000);
    expect(ms.roles.has(`${ROLE} / ${ALICE_OID}`)).toBe(true);
    expect(await app.provider.list({ role: 'GlobalAdmin', scope: '/' })).toEqual([{ identity: ALICE_OID, principalId: 'alice@example.com' }]);

    clock.advance(HOUR + 1000);
    await app.pim.processDeadlines();
    await settled();
    const calls = requests('/roleManagement/directory/roleAssignmentScheduleRequests');
    expect(calls.map((c) => c.body.action)).toEqual(['adminAssign', 'adminRemove']);
    expect(calls[1]?.body).toMatchObject({ roleDefinitionId: ROLE, directoryScopeId: '/', principalId: ALICE_OID });
    expect(ms.roles.size).toBe(0);
  });

  it('PIM for Groups: ownership assigned and removed on deactivation', async () => {
    const { slack, fake, settled } = suite.get();
    await fake.waitForResponse((await slack.command(alice, 'activate SreOwners 1h')).responseId);
    await settled();
    expect(ms.groups.has(`${GROUP} owner ${ALICE_OID}`)).toBe(true);
    await fake.waitForResponse((await slack.command(alice, 'deactivate SreOwners')).responseId);
    await settled();
    expect(requests('/identityGovernance/privilegedAccess/group/assignmentScheduleRequests').map((c) => [c.body.action, c.body.accessId])).toEqual([
      ['adminAssign', 'owner'],
      ['adminRemove', 'owner'],
    ]);
    expect(ms.groups.size).toBe(0);
  });

  it('a 403 fails the request with Microsoft’s reason, told to the requester; nothing stays granted', async () => {
    const { slack, fake, settled, app } = suite.get();
    ms.script((r) => r.method === 'POST' && r.body?.action === 'adminAssign' && r.body?.roleDefinitionId === DENIED, {
      status: 403,
      body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
    });
    await fake.waitForResponse((await slack.command(alice, 'activate UserAdmin 1h')).responseId);
    await settled();
    const dm = await eventually(() => dmsTo(fake, alice).find((c) => /Insufficient privileges/.test(textOf(c.args.blocks))), 'the failure DM');
    expect(textOf(dm.args.blocks)).toContain('403 Authorization_RequestDenied');
    const rows = rowsOf(await app.database.db.execute(sql`select state from requests`));
    expect(rows).toEqual([{ state: 'failed' }]);
    // The withdrawal after giving up is sent too (by the dispatcher, and as a queued revoke): nothing is left half granted.
    const [first, ...after] = requests('/roleManagement/directory/roleAssignmentScheduleRequests').map((c) => c.body.action);
    expect(first).toBe('adminAssign');
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after)).toEqual(new Set(['adminRemove']));
    expect(ms.roles.size).toBe(0);
  });

  it('a 429 with Retry-After is waited out, not counted as an attempt, and the grant made', async () => {
    const { slack, fake, settled, app } = suite.get();
    ms.script((r) => r.method === 'POST', { status: 429, body: { error: { code: 'TooManyRequests', message: 'Too many requests' } }, headers: { 'retry-after': '1' } });
    await fake.waitForResponse((await slack.command(alice, 'activate GlobalAdmin 1h')).responseId);
    await settled(15_000);
    expect(requests('/roleManagement/directory/roleAssignmentScheduleRequests').map((c) => c.body.action)).toEqual(['adminAssign', 'adminAssign']);
    expect(ms.roles.size).toBe(1);
    const [row] = rowsOf(await app.database.db.execute(sql`select attempts from outbox where dedupe_key like 'grant:%'`)) as { attempts: number }[];
    expect(row?.attempts).toBe(1);
  });

  it('azure: AdminAssign at the ARM scope on activation, AdminRemove at its end', async () => {
    const { slack, fake, settled, app } = suite.get();
    await fake.waitForResponse((await slack.command(alice, 'activate AzOwner 1h')).responseId);
    await settled();
    const puts = () => ms.apiCalls().filter((r) => r.method === 'PUT');
    expect(puts()[0]?.path).toMatch(new RegExp(`^/arm${AZ_SCOPE}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/`));
    expect(puts()[0]?.body.properties).toMatchObject({ requestType: 'AdminAssign', principalId: ALICE_OID, roleDefinitionId: AZ_TARGET, scheduleInfo: { expiration: { type: 'AfterDateTime' } } });
    expect(ms.azure.size).toBe(1);
    expect(await app.provider.list({ role: 'AzOwner', scope: '/subscriptions/prod' })).toEqual([{ identity: ALICE_OID, principalId: 'alice@example.com' }]);

    clock.advance(HOUR + 1000);
    await app.pim.processDeadlines();
    await settled();
    expect(puts().map((c) => c.body.properties.requestType)).toEqual(['AdminAssign', 'AdminRemove']);
    expect(ms.azure.size).toBe(0);
  });
});
