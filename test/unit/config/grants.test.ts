/** `provider:`, `providers:`, `roles[].provider` / `target` and target identities in pim.config.yaml. */
import { describe, expect, it } from 'vitest';
import { parse, problemsOf } from './helpers.js';

const PG_ENV = { PIM_PG_URL: 'postgres://pimbot:pw@db.example.com/app' };

describe('providers per role', () => {
  it('keeps a config with no provider record-only, as before', () => {
    const cfg = parse('roles: [{ name: Reader }]');
    expect(cfg.provider).toEqual({ type: 'record' });
    expect(cfg.grants).toEqual({
      providers: { default: { type: 'record' } },
      defaultProvider: 'default',
      routes: [{ role: 'Reader', scope: '/', provider: 'default', target: null }],
      identities: [],
    });
  });

  it('routes each role and scope to its provider and target; the scope wins over the role', () => {
    const cfg = parse(
      `
providers:
  pg: { type: postgres, urlEnv: PIM_PG_URL, terminateSessions: true }
roles:
  - { name: Reader }
  - name: DbAdmin
    provider: pg
    target: app_admin
    scopes: [/db/dev, { path: /db/prod/, target: prod_admin }]
`,
      PG_ENV,
    );
    expect(cfg.grants.providers.pg).toEqual({ type: 'postgres', url: PG_ENV.PIM_PG_URL, terminateSessions: true, timeoutMs: 10_000 });
    expect(cfg.grants.routes).toEqual([
      { role: 'Reader', scope: '/', provider: 'default', target: null },
      { role: 'DbAdmin', scope: '/db/dev', provider: 'pg', target: 'app_admin' },
      { role: 'DbAdmin', scope: '/db/prod', provider: 'pg', target: 'prod_admin' },
    ]);
  });

  it('takes `provider:` by name as the default for roles that name none', () => {
    const cfg = parse('provider: pg\nproviders: { pg: { type: postgres, urlEnv: PIM_PG_URL } }\nroles: [{ name: Db, target: app_rw }]', PG_ENV);
    expect(cfg.grants.defaultProvider).toBe('pg');
    expect(cfg.provider.type).toBe('postgres');
    expect(cfg.grants.routes).toEqual([{ role: 'Db', scope: '/', provider: 'pg', target: 'app_rw' }]);
  });

  it('reads target identities, an Entra object id defaulting to the Teams id', () => {
    const cfg = parse(`
directory:
  users:
    - { id: alice@example.com, postgres: alice, teams: 6F1A0C2E-0000-4000-8000-000000000001 }
    - { id: bob@example.com, entra: 6f1a0c2e-0000-4000-8000-000000000002, teams: 6f1a0c2e-0000-4000-8000-000000000003 }
    - { id: carol@example.com }
`);
    expect(cfg.grants.identities).toEqual([
      { principalId: 'alice@example.com', postgres: 'alice', entra: '6f1a0c2e-0000-4000-8000-000000000001' },
      { principalId: 'bob@example.com', entra: '6f1a0c2e-0000-4000-8000-000000000002' },
    ]);
  });
});

describe('provider configuration problems name the key', () => {
  it('an unknown provider name, on the role and on the scope', () => {
    expect(problemsOf('roles: [{ name: A, provider: pgg, target: x }, { name: B, scopes: [{ path: /x, provider: nope }] }]')).toEqual([
      'pim.config.yaml: roles.0.provider: expected a provider name from providers (default), got "pgg"',
      'pim.config.yaml: roles.1.scopes.0.provider: expected a provider name from providers (default), got "nope"',
    ]);
  });

  it('`provider:` naming a provider that is not in providers', () => {
    expect(problemsOf('provider: pg')).toEqual(['pim.config.yaml: provider: expected the name of a provider from providers (providers is empty), got "pg"']);
  });

  it('a missing or unreadable target', () => {
    expect(
      problemsOf(
        `
providers:
  pg: { type: postgres, urlEnv: PIM_PG_URL }
  ms: { type: entra, tenantId: contoso.onmicrosoft.com, clientId: 6f1a0c2e-0000-4000-8000-000000000001, clientSecretEnv: S }
roles:
  - { name: A, provider: pg }
  - { name: B, provider: ms, target: "Global Administrator" }
  - { name: C, target: something }
`,
        { ...PG_ENV, S: 'secret' },
      ),
    ).toEqual([
      'pim.config.yaml: roles.0.target: expected target: the PostgreSQL role this role grants, like app_admin',
      'pim.config.yaml: roles.1.target: expected an Entra role definition id (a GUID, optionally @/administrativeUnits/<id>) or group:<groupId>[:member|:owner], got "Global Administrator"',
      'pim.config.yaml: roles.2.target: expected no target: provider default is record-only and grants nothing elsewhere',
    ]);
  });

  it('one target granted by two roles or scopes (ending one would take the other away)', () => {
    expect(
      problemsOf(
        'providers: { pg: { type: postgres, urlEnv: PIM_PG_URL } }\nroles:\n  - { name: A, provider: pg, target: app_admin, scopes: [/x, /y] }\n  - { name: B, provider: pg, target: app_admin }',
        PG_ENV,
      ),
    ).toEqual([
      'pim.config.yaml: roles.0.target: expected each target of provider pg once (a scope may name its own), but "app_admin" is also what A at /x grants',
      'pim.config.yaml: roles.1.target: expected each target of provider pg once (a scope may name its own), but "app_admin" is also what A at /x grants',
    ]);
  });

  it('a target on a webhook role', () => {
    expect(problemsOf('provider: { type: webhook, url: "https://h.example.com/x", secret: 0123456789abcdef }\nroles: [{ name: A, target: x }]')).toEqual([
      'pim.config.yaml: roles.0.target: expected no target: provider default is a webhook: its receiver gets the role and scope as they are',
    ]);
  });

  it('an environment variable that is not set, and an unknown key', () => {
    expect(problemsOf('providers: { pg: { type: postgres, urlEnv: PIM_PG_URL, terminate: true } }')).toEqual([
      'pim.config.yaml: providers.pg.terminate: unknown key; expected one of: type, urlEnv, terminateSessions, timeout',
    ]);
    expect(problemsOf('providers: { pg: { type: postgres, urlEnv: PIM_PG_URL } }')).toEqual([
      'pim.config.yaml: providers.pg.urlEnv: expected environment variable PIM_PG_URL to hold the connection URL of the database whose roles are granted, but it is not set',
    ]);
  });

  it('an Entra provider without credentials', () => {
    expect(problemsOf('providers: { ms: { type: entra, tenantId: contoso.onmicrosoft.com, clientId: 6f1a0c2e-0000-4000-8000-000000000001 } }')).toEqual([
      'pim.config.yaml: providers.ms.clientSecretEnv: expected clientSecretEnv or certificate: how the bot proves who it is to Entra ID',
    ]);
  });

  it('two users with the same login', () => {
    expect(problemsOf('directory: { users: [{ id: a@example.com, postgres: ops }, { id: b@example.com, postgres: ops }] }')).toEqual([
      'pim.config.yaml: directory.users.1.postgres: expected a unique postgres identity, but "ops" is also directory.users.0',
    ]);
  });

  it('both `provider:` in full and a provider named default', () => {
    expect(problemsOf('provider: { type: record }\nproviders: { default: { type: record } }')).toEqual([
      'pim.config.yaml: providers.default: expected another name: "default" is the provider: key, and both are set',
    ]);
  });
});

describe('reconcile', () => {
  it('defaults to every five minutes, re-applying lost grants, with a two-minute grace', () => {
    expect(parse('').reconcile).toEqual({ schedule: '*/5 * * * *', missing: 'reapply', graceMs: 120_000 });
  });

  it('reads its keys, and names a bad one', () => {
    expect(parse('reconcile: { schedule: "*/10 * * * *", missing: alert, grace: 5m }').reconcile).toEqual({ schedule: '*/10 * * * *', missing: 'alert', graceMs: 300_000 });
    expect(problemsOf('reconcile: { missing: revoke }')).toEqual(['pim.config.yaml: reconcile.missing: expected one of: reapply, alert, got "revoke"']);
  });
});

describe('entra and azure targets', () => {
  const PROVIDERS = `
providers:
  ms: { type: entra, tenantId: contoso.onmicrosoft.com, clientId: 6f1a0c2e-0000-4000-8000-000000000001, clientSecretEnv: S }
  az: { type: azure, tenantId: contoso.onmicrosoft.com, clientId: 6f1a0c2e-0000-4000-8000-000000000001, clientSecretEnv: S }
`;
  const ROLE_DEF = '/subscriptions/00000000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635';

  it('reads a directory role, a group and an Azure role definition, with the default Graph and ARM URLs', () => {
    const cfg = parse(
      `${PROVIDERS}
roles:
  - { name: GA, provider: ms, target: 62e90394-69f5-4237-9190-012177145e10 }
  - { name: Owners, provider: ms, target: "group:0b6e1d2c-0000-4000-8000-0000000000aa:owner" }
  - { name: AzOwner, provider: az, target: ${ROLE_DEF} }
`,
      { S: 'secret' },
    );
    expect(cfg.grants.routes.map((r) => r.target)).toEqual(['62e90394-69f5-4237-9190-012177145e10', 'group:0b6e1d2c-0000-4000-8000-0000000000aa:owner', ROLE_DEF]);
    expect(cfg.grants.providers.ms).toMatchObject({ graphUrl: 'https://graph.microsoft.com/v1.0', authority: 'https://login.microsoftonline.com', credential: { secret: 'secret' } });
    expect(cfg.grants.providers.az).toMatchObject({ armUrl: 'https://management.azure.com' });
  });

  it('names an Azure target that is not a role definition at a scope', () => {
    expect(problemsOf(`${PROVIDERS}\nroles: [{ name: AzOwner, provider: az, target: Owner }]`, { S: 'secret' })).toEqual([
      'pim.config.yaml: roles.0.target: expected /subscriptions/<id>[/...]/providers/Microsoft.Authorization/roleDefinitions/<guid>, got "Owner"',
    ]);
  });
});
