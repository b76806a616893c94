/**
 * resolveSender's tenant binding: with TEAMS_APP_TENANT_ID set, an activity from another tenant is
 * refused with a sentence that names both tenants and the refusal is audited; the configured
 * tenant resolves as before, and without a tenant configured any tenant does (dev mode).
 */
import { describe, expect, it, vi } from 'vitest';
import { resolveSender, type TeamsDeps } from '../../../../adapters/teams/context.js';
import { Directory, type Pim } from '../../../../src/core/index.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const OTHER = '99999999-8888-7777-6666-555555555555';
const AAD = '6f1a0c2e-0000-4000-8000-00000000a11c';
const directory = new Directory([{ id: 'alice@example.com', name: 'Alice', kind: 'user', teams: AAD }], [], []);

function deps(tenantId: string | undefined) {
  const refused = vi.fn(async () => {});
  const pim = { resolve: (p: 'slack' | 'teams', id: string) => directory.resolve(p, id), identityRefused: refused } as unknown as Pim;
  const d = { pim, env: { teams: { tenantId } }, logger: { warn: vi.fn() } } as unknown as TeamsDeps;
  return { d, refused };
}

const activity = (tenant: string) => ({ from: { id: '29:alice', aadObjectId: AAD }, conversation: { id: 'a:1', tenantId: tenant }, channelData: { tenant: { id: tenant } } }) as never;

describe('resolveSender and the tenant', () => {
  it('refuses another tenant and audits it', async () => {
    const { d, refused } = deps(TENANT);
    const who = resolveSender(d, activity(OTHER));
    expect(who).toEqual({ ok: false, message: expect.stringContaining(`This pimbot serves tenant ${TENANT}, not tenant ${OTHER}`) });
    expect(refused).toHaveBeenCalledWith('teams', AAD, 'wrong_workspace', { tenantId: OTHER });
  });

  it('resolves the configured tenant, whatever the case of its id', () => {
    const { d, refused } = deps(TENANT.toUpperCase());
    expect(resolveSender(d, activity(TENANT))).toMatchObject({ ok: true, actor: { principal: { id: 'alice@example.com' } } });
    expect(refused).not.toHaveBeenCalled();
  });

  it('accepts any tenant when none is configured (dev mode, the playground)', () => {
    const { d } = deps(undefined);
    expect(resolveSender(d, activity(OTHER))).toMatchObject({ ok: true });
  });
});
