/** The azure provider against a local fake Entra ID token endpoint and a fake ARM that checks request shapes. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/core/ports.js';
import { AzureProvider, type RoutedGrant } from '../../../src/providers/index.js';
import { CLIENT_ID, CLIENT_SECRET, FakeMicrosoft, TENANT } from '../../support/fake-microsoft.js';

const SCOPE = '/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/prod';
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const TARGET = `${SCOPE}/providers/Microsoft.Authorization/roleDefinitions/${OWNER}`;
const ALICE = '6f1a0c2e-0000-4000-8000-000000000001';
const NOW = new Date('2030-01-07T09:00:00.000Z');
const ENDS = new Date('2030-01-07T10:00:00.000Z');

let ms: FakeMicrosoft;
let provider: AzureProvider;
beforeAll(async () => {
  ms = await FakeMicrosoft.start();
});
afterAll(() => ms?.close());
beforeEach(() => {
  ms.reset();
  provider = new AzureProvider({ tenantId: TENANT, clientId: CLIENT_ID, credential: { secret: CLIENT_SECRET }, authority: ms.url, armUrl: ms.armUrl, timeoutMs: 5000, now: () => NOW });
});

const grant = (over: Partial<RoutedGrant> = {}): RoutedGrant => ({
  assignmentId: 'as-1',
  principalId: 'alice@example.com',
  role: 'Owner',
  scope: '/subscriptions/prod',
  endsAt: ENDS,
  requestId: 'R-ABC',
  target: TARGET,
  identity: ALICE,
  ...over,
});

describe('AzureProvider', () => {
  it('PUTs an AdminAssign schedule request at the scope, ending with the activation, with an ARM token', async () => {
    await provider.grant(grant());
    const [call] = ms.apiCalls();
    expect(call?.method).toBe('PUT');
    expect(call?.path).toMatch(new RegExp(`^/arm${SCOPE}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/[0-9a-f-]{36}$`));
    expect(call?.query.get('api-version')).toBe('2020-10-01');
    expect(call?.body).toEqual({
      properties: {
        principalId: ALICE,
        roleDefinitionId: TARGET,
        requestType: 'AdminAssign',
        justification: expect.stringContaining('R-ABC'),
        scheduleInfo: { startDateTime: NOW.toISOString(), expiration: { type: 'AfterDateTime', endDateTime: ENDS.toISOString() } },
      },
    });
    const token = ms.requests.find((r) => r.path.endsWith('/oauth2/v2.0/token'));
    expect(token?.body.scope).toBe(`${ms.url}/.default`);
  });

  it('is idempotent: an existing assignment (409) and a removal of none are success', async () => {
    await provider.grant(grant());
    await provider.grant(grant());
    await provider.revoke(grant());
    await provider.revoke(grant());
    expect(ms.apiCalls().map((c) => c.body.properties.requestType)).toEqual(['AdminAssign', 'AdminAssign', 'AdminRemove', 'AdminRemove']);
    expect(ms.azure.size).toBe(0);
  });

  it('lists the holders at exactly the scope from roleAssignmentScheduleInstances', async () => {
    await provider.grant(grant());
    ms.azure.add(`${SCOPE} /subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7 someone-else`);
    expect(await provider.list(TARGET)).toEqual([ALICE]);
    const call = ms.apiCalls().at(-1);
    expect(call?.path).toBe(`/arm${SCOPE}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances`);
    expect(call?.query.get('$filter')).toBe('atScope()');
  });

  it('429 waits as asked; 403 fails for good with the reason', async () => {
    ms.script((r) => r.method === 'PUT', { status: 429, headers: { 'retry-after': '4' } });
    expect(await provider.grant(grant()).catch((e: unknown) => e)).toMatchObject({ rateLimited: true, retryAfterMs: 4000 });
    ms.script((r) => r.method === 'PUT', { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action.' } } });
    const err = (await provider.grant(grant()).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toMatchObject({ permanent: true });
    expect(err.message).toContain('403 AuthorizationFailed: The client does not have authorization');
  });
});
