import { describe, expect, it } from 'vitest';
import { DeliveryError, type GrantTarget } from '../../../src/core/ports.js';
import { createGrantProvider, RecordProvider, RoutingProvider, unrouted, type RoutedGrant, type TargetProvider } from '../../../src/providers/index.js';

class FakeTarget implements TargetProvider {
  readonly inline = false;
  calls: { op: string; g: RoutedGrant }[] = [];
  held: string[] = [];
  constructor(
    readonly name: string,
    readonly identity: 'postgres' | 'entra' | null,
  ) {}
  async grant(g: RoutedGrant) {
    this.calls.push({ op: 'grant', g });
  }
  async revoke(g: RoutedGrant) {
    this.calls.push({ op: 'revoke', g });
  }
  async list() {
    return this.held;
  }
}

const grant = (role: string, scope: string, principalId = 'alice@example.com'): GrantTarget => ({ assignmentId: 'a1', principalId, role, scope, endsAt: null, requestId: 'R-1' });

function rig() {
  const pg = new FakeTarget('postgres', 'postgres');
  const ms = new FakeTarget('entra', 'entra');
  const router = new RoutingProvider({
    providers: { default: unrouted(new RecordProvider()), pg, ms },
    defaultProvider: 'default',
    routes: [
      { role: 'DbAdmin', scope: '/db/prod', provider: 'pg', target: 'prod_admin' },
      { role: 'GlobalAdmin', scope: '/', provider: 'ms', target: '62e90394-69f5-4237-9190-012177145e10' },
    ],
    identities: [{ principalId: 'alice@example.com', postgres: 'alice', entra: '6f1a0c2e-0000-4000-8000-000000000001' }],
  });
  return { pg, ms, router };
}

describe('RoutingProvider', () => {
  it('sends each role at each scope to its provider with its target and the principal’s identity there', async () => {
    const { pg, ms, router } = rig();
    await router.grant(grant('dbadmin', '/DB/prod'));
    await router.revoke(grant('GlobalAdmin', '/'));
    expect(pg.calls).toEqual([{ op: 'grant', g: expect.objectContaining({ target: 'prod_admin', identity: 'alice', assignmentId: 'a1' }) }]);
    expect(ms.calls).toEqual([{ op: 'revoke', g: expect.objectContaining({ target: '62e90394-69f5-4237-9190-012177145e10', identity: '6f1a0c2e-0000-4000-8000-000000000001' }) }]);
  });

  it('is external when any provider is, and named after the providers it routes to', () => {
    const { router } = rig();
    expect(router.inline).toBe(false);
    expect(router.name).toBe('record+postgres+entra');
  });

  it('sends a role with no route to the default provider', async () => {
    const { pg, ms, router } = rig();
    await router.grant(grant('Gone', '/x'));
    expect(pg.calls).toEqual([]);
    expect(ms.calls).toEqual([]);
    expect(await router.list({ role: 'Gone', scope: '/x' })).toBeNull();
  });

  it('fails a grant for good, with the reason, when the principal has no identity there', async () => {
    const { router } = rig();
    const err = await router.grant(grant('DbAdmin', '/db/prod', 'bob@example.com')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).permanent).toBe(true);
    expect((err as DeliveryError).message).toBe('bob@example.com has no PostgreSQL login for postgres (set directory.users[].postgres)');
  });

  it('lists holders with the principals their identities belong to', async () => {
    const { pg, router } = rig();
    pg.held = ['alice', 'mallory'];
    expect(await router.list({ role: 'DbAdmin', scope: '/db/prod' })).toEqual([
      { identity: 'alice', principalId: 'alice@example.com' },
      { identity: 'mallory', principalId: null },
    ]);
  });
});

describe('createGrantProvider', () => {
  it('gives a config with only the record provider the record provider itself (inline)', () => {
    const p = createGrantProvider({ providers: { default: { type: 'record' } }, defaultProvider: 'default', routes: [], identities: [] });
    expect(p).toBeInstanceOf(RecordProvider);
    expect(p.inline).toBe(true);
  });

  it('routes when a second provider is used', async () => {
    const p = createGrantProvider({
      providers: { default: { type: 'record' }, pg: { type: 'postgres', url: 'postgres://u@127.0.0.1:1/x', terminateSessions: false } },
      defaultProvider: 'default',
      routes: [{ role: 'Db', scope: '/', provider: 'pg', target: 'r' }],
      identities: [],
    });
    expect(p).toBeInstanceOf(RoutingProvider);
    expect(p.inline).toBe(false);
    await p.close?.();
  });
});
