/**
 * The entra provider against a local fake Entra ID token endpoint and a fake Microsoft Graph that
 * checks each request's shape as Microsoft documents it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/core/ports.js';
import { EntraProvider, type RoutedGrant } from '../../../src/providers/index.js';
import { CLIENT_ID, CLIENT_SECRET, FakeMicrosoft, TENANT } from '../../support/fake-microsoft.js';

const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const GROUP = '0b6e1d2c-0000-4000-8000-0000000000aa';
const ALICE = '6f1a0c2e-0000-4000-8000-000000000001';
const ENDS = new Date('2030-01-07T10:00:00.000Z');
const NOW = new Date('2030-01-07T09:00:00.000Z');

let ms: FakeMicrosoft;
let provider: EntraProvider;
beforeAll(async () => {
  ms = await FakeMicrosoft.start();
});
afterAll(() => ms?.close());
beforeEach(() => {
  ms.reset();
  provider = new EntraProvider({ tenantId: TENANT, clientId: CLIENT_ID, credential: { secret: CLIENT_SECRET }, authority: ms.url, graphUrl: ms.graphUrl, timeoutMs: 5000, now: () => NOW });
});

const grant = (target: string, over: Partial<RoutedGrant> = {}): RoutedGrant => ({
  assignmentId: 'as-1',
  principalId: 'alice@example.com',
  role: 'GlobalAdmin',
  scope: '/',
  endsAt: ENDS,
  requestId: 'R-ABC',
  target,
  identity: ALICE,
  ...over,
});

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as DeliveryError);

describe('EntraProvider: directory roles', () => {
  it('adminAssign with a scheduleInfo ending when the activation ends, with a client-credentials token', async () => {
    await provider.grant(grant(ROLE));
    const [call] = ms.apiCalls();
    expect(call).toMatchObject({ method: 'POST', path: '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests' });
    expect(call?.headers.authorization).toBe('Bearer fake-access-token');
    expect(call?.body).toEqual({
      action: 'adminAssign',
      justification: expect.stringContaining('R-ABC'),
      roleDefinitionId: ROLE,
      directoryScopeId: '/',
      principalId: ALICE,
      scheduleInfo: { startDateTime: NOW.toISOString(), expiration: { type: 'afterDateTime', endDateTime: ENDS.toISOString() } },
    });
    const token = ms.requests.find((r) => r.path === `/${TENANT}/oauth2/v2.0/token`);
    expect(token?.body).toMatchObject({ grant_type: 'client_credentials', client_id: CLIENT_ID, scope: `${ms.url}/.default` });
  });

  it('caches the token across calls', async () => {
    await provider.grant(grant(ROLE));
    await provider.revoke(grant(ROLE));
    await provider.list(ROLE);
    expect(ms.tokensIssued).toBe(1);
  });

  it('a permanent assignment has noExpiration; an administrative unit scope is passed on', async () => {
    await provider.grant(grant(`${ROLE}@/administrativeUnits/au-1`, { endsAt: null }));
    expect(ms.apiCalls()[0]?.body).toMatchObject({ directoryScopeId: '/administrativeUnits/au-1', scheduleInfo: { expiration: { type: 'noExpiration' } } });
  });

  it('an assignment that already exists is success; removing one that does not is success', async () => {
    await provider.grant(grant(ROLE));
    await provider.grant(grant(ROLE));
    await provider.revoke(grant(ROLE));
    await provider.revoke(grant(ROLE));
    expect(ms.apiCalls().map((c) => c.body.action)).toEqual(['adminAssign', 'adminAssign', 'adminRemove', 'adminRemove']);
    expect(ms.roles.size).toBe(0);
  });

  it('adminRemove names the same role, scope and principal', async () => {
    await provider.grant(grant(ROLE));
    await provider.revoke(grant(ROLE));
    expect(ms.apiCalls()[1]?.body).toEqual({ action: 'adminRemove', justification: expect.any(String), roleDefinitionId: ROLE, directoryScopeId: '/', principalId: ALICE });
  });

  it('lists the holders from roleAssignmentScheduleInstances', async () => {
    await provider.grant(grant(ROLE));
    expect(await provider.list(ROLE)).toEqual([ALICE]);
    const call = ms.apiCalls().at(-1);
    expect(call?.path).toBe('/v1.0/roleManagement/directory/roleAssignmentScheduleInstances');
    expect(call?.query.get('$filter')).toBe(`roleDefinitionId eq '${ROLE}' and directoryScopeId eq '/'`);
  });

  it('follows @odata.nextLink', async () => {
    ms.script((r) => r.method === 'GET', { status: 200, body: { value: [{ principalId: 'A' }], '@odata.nextLink': `${ms.graphUrl}/roleManagement/directory/roleAssignmentScheduleInstances?$filter=${encodeURIComponent(`roleDefinitionId eq '${ROLE}' and directoryScopeId eq '/'`)}` } });
    ms.roles.add(`${ROLE} / b`);
    expect(await provider.list(ROLE)).toEqual(['a', 'b']);
  });
});

describe('EntraProvider: Graph answers', () => {
  it('429 with Retry-After: wait as asked, not an attempt', async () => {
    ms.script((r) => r.method === 'POST', { status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } }, headers: { 'retry-after': '7' } });
    const err = await errorOf(provider.grant(grant(ROLE)));
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ rateLimited: true, permanent: false, retryAfterMs: 7000 });
  });

  it('503 with Retry-After: wait; without it: an ordinary retry', async () => {
    ms.script((r) => r.method === 'POST', { status: 503, headers: { 'retry-after': '3' } });
    expect(await errorOf(provider.grant(grant(ROLE)))).toMatchObject({ rateLimited: true, retryAfterMs: 3000 });
    ms.script((r) => r.method === 'POST', { status: 503 });
    expect(await errorOf(provider.grant(grant(ROLE)))).toMatchObject({ rateLimited: false, permanent: false });
  });

  it('403: failed for good, with Microsoft’s reason', async () => {
    ms.script((r) => r.method === 'POST', { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } });
    const err = await errorOf(provider.grant(grant(ROLE)));
    expect(err).toMatchObject({ permanent: true });
    expect(err?.message).toBe(`entra adminAssign of role ${ROLE} to ${ALICE} was refused: 403 Authorization_RequestDenied: Insufficient privileges to complete the operation.`);
  });

  it('a wrong client secret fails for good, saying so', async () => {
    const bad = new EntraProvider({ tenantId: TENANT, clientId: CLIENT_ID, credential: { secret: 'wrong' }, authority: ms.url, graphUrl: ms.graphUrl, timeoutMs: 5000 });
    const err = await errorOf(bad.grant(grant(ROLE)));
    expect(err).toMatchObject({ permanent: true });
    expect(err?.message).toMatch(/invalid_client/);
    expect(ms.apiCalls()).toEqual([]);
  });

  it('Graph unreachable: retried', async () => {
    const down = new EntraProvider({ tenantId: TENANT, clientId: CLIENT_ID, credential: { secret: CLIENT_SECRET }, authority: ms.url, graphUrl: 'http://127.0.0.1:1/v1.0', timeoutMs: 5000 });
    expect(await errorOf(down.grant(grant(ROLE)))).toMatchObject({ permanent: false, rateLimited: false });
  });
});

describe('EntraProvider: PIM for Groups', () => {
  it('assigns, removes and lists group membership or ownership by accessId', async () => {
    await provider.grant(grant(`group:${GROUP}:owner`));
    expect(ms.apiCalls()[0]).toMatchObject({
      path: '/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests',
      body: { action: 'adminAssign', accessId: 'owner', groupId: GROUP, principalId: ALICE, scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: ENDS.toISOString() } } },
    });
    expect(await provider.list(`group:${GROUP}:owner`)).toEqual([ALICE]);
    expect(await provider.list(`group:${GROUP}`)).toEqual([]);
    await provider.revoke(grant(`group:${GROUP}:owner`));
    expect(ms.apiCalls().at(-1)?.body).toEqual({ action: 'adminRemove', justification: expect.any(String), accessId: 'owner', groupId: GROUP, principalId: ALICE });
    expect(ms.groups.size).toBe(0);
  });
});

describe('EntraProvider: certificate credentials', () => {
  it('signs a client assertion with the certificate’s key instead of sending a secret', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cert = new EntraProvider({ tenantId: TENANT, clientId: CLIENT_ID, credential: { thumbprint: 'ab'.repeat(32), privateKey: pem }, authority: ms.url, graphUrl: ms.graphUrl, timeoutMs: 5000 });
    await cert.grant(grant(ROLE));
    const token = ms.requests.find((r) => r.path.endsWith('/oauth2/v2.0/token'));
    expect(token?.body).toMatchObject({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: expect.stringMatching(/^ey/) });
    expect(token?.body.client_secret).toBeUndefined();
  });
});
