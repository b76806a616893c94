/**
 * The grant side of pim.config.yaml: `provider:` (the default, kept as it always was),
 * `providers:` (named ones), `roles[].provider` / `target` (per role, or per scope), the
 * principals' identities on target systems (`directory.users[].postgres` / `.entra`) and
 * `reconcile:`. Secrets and connection URLs are read from the environment variables the config
 * names, so the file never holds them.
 */
import {
  targetProblem,
  type EntraCredential,
  type GrantRoute,
  type GrantsConfig,
  type MicrosoftApp,
  type ProviderConfig,
  type TargetIdentity,
} from '../providers/config.js';
import type { PimConfigInput, ProviderDef } from './pim-config-schema.js';

type Path = ReadonlyArray<string | number>;
type At = (path: Path, message: string) => void;
type Env = Record<string, string | undefined>;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/v1.0';
export const DEFAULT_ARM_URL = 'https://management.azure.com';
/** The name `provider:` gets among the named providers when it is written out in full. */
export const DEFAULT_PROVIDER_NAME = 'default';

/** `reconcile:` after validation. */
export interface ReconcileConfig {
  /** Cron of the reconciliation job (default every 5 minutes). */
  schedule: string;
  /** A grant PIM made that the target lost: grant it again, or only report it. */
  missing: 'reapply' | 'alert';
  /** Assignments begun or ended this recently are left alone: their grant or revoke may still be on its way. */
  graceMs: number;
}

export const DEFAULT_RECONCILE: Readonly<ReconcileConfig> = Object.freeze({ schedule: '*/5 * * * *', missing: 'reapply', graceMs: 2 * 60_000 });

/** A secret from the variable `name`, or a problem at `path`. */
function fromEnv(env: Env, name: string, what: string, path: Path, at: At): string {
  const value = env[name]?.trim();
  if (!value) {
    at(path, `expected environment variable ${name} to hold ${what}, but it is not set`);
    return '';
  }
  return value;
}

function microsoftApp(pv: Extract<ProviderDef, { type: 'entra' | 'azure' }>, env: Env, path: Path, at: At): MicrosoftApp {
  let credential: EntraCredential = { secret: '' };
  if (pv.clientSecretEnv !== undefined && pv.certificate !== undefined) {
    at([...path, 'certificate'], 'expected either clientSecretEnv or certificate, not both');
  } else if (pv.clientSecretEnv !== undefined) {
    credential = { secret: fromEnv(env, pv.clientSecretEnv, 'the client secret', [...path, 'clientSecretEnv'], at) };
  } else if (pv.certificate !== undefined) {
    const key = fromEnv(env, pv.certificate.privateKeyEnv, "the certificate's private key (PEM)", [...path, 'certificate', 'privateKeyEnv'], at);
    credential = { thumbprint: pv.certificate.thumbprint.toLowerCase(), privateKey: key.replaceAll('\\n', '\n') };
  } else {
    at([...path, 'clientSecretEnv'], 'expected clientSecretEnv or certificate: how the bot proves who it is to Entra ID');
  }
  return {
    tenantId: pv.tenantId,
    clientId: pv.clientId,
    credential,
    authority: (pv.authority ?? DEFAULT_AUTHORITY).replace(/\/+$/, ''),
    timeoutMs: pv.timeout ?? 30_000,
  };
}

/** One provider; a webhook's secret, a database URL and client secrets come from the variables named. */
export function resolveProviderDef(pv: ProviderDef, env: Env, path: Path, at: At): ProviderConfig {
  switch (pv.type) {
    case 'record':
      return { type: 'record' };
    case 'webhook': {
      let secret = pv.secret;
      if (pv.secret !== undefined && pv.secretEnv !== undefined) {
        at([...path, 'secretEnv'], 'expected either secret or secretEnv, not both');
      } else if (pv.secretEnv !== undefined) {
        const name = pv.secretEnv;
        secret = env[name]?.trim() || undefined;
        if (secret === undefined) {
          at([...path, 'secretEnv'], `expected environment variable ${name} to hold the webhook signing secret, but it is not set`);
        } else if (secret.length < 16) {
          at([...path, 'secretEnv'], `expected environment variable ${name} to hold a signing secret of at least 16 characters`);
        }
      } else if (secret === undefined) {
        at([...path, 'secret'], 'expected a signing secret, or secretEnv naming the environment variable that holds it');
      }
      return { type: 'webhook', url: pv.url, secret: secret ?? '', timeoutMs: pv.timeout ?? DEFAULT_WEBHOOK_TIMEOUT_MS };
    }
    case 'postgres': {
      const url = fromEnv(env, pv.urlEnv, 'the connection URL of the database whose roles are granted', [...path, 'urlEnv'], at);
      if (url && !/^postgres(ql)?:\/\//.test(url)) {
        at([...path, 'urlEnv'], `expected environment variable ${pv.urlEnv} to hold a postgres:// URL`);
      }
      return { type: 'postgres', url, terminateSessions: pv.terminateSessions ?? false, timeoutMs: pv.timeout ?? 10_000 };
    }
    case 'entra':
      return { type: 'entra', ...microsoftApp(pv, env, path, at), graphUrl: (pv.graphUrl ?? DEFAULT_GRAPH_URL).replace(/\/+$/, '') };
    case 'azure':
      return { type: 'azure', ...microsoftApp(pv, env, path, at), armUrl: (pv.armUrl ?? DEFAULT_ARM_URL).replace(/\/+$/, '') };
  }
}

/**
 * Named providers, the default one, a route per role and scope, and identities. Every route is
 * checked against its provider: a missing provider name or a target that provider cannot read
 * is reported at the key that says it.
 */
export function resolveGrants(input: PimConfigInput, env: Env, at: At, normalizeScope: (path: string) => string): { provider: ProviderConfig; grants: GrantsConfig } {
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, def] of Object.entries(input.providers)) providers[name] = resolveProviderDef(def, env, ['providers', name], at);
  const known = (): string => (Object.keys(providers).length > 0 ? Object.keys(providers).join(', ') : 'providers is empty');

  let defaultProvider = DEFAULT_PROVIDER_NAME;
  if (typeof input.provider === 'string') {
    if (providers[input.provider]) defaultProvider = input.provider;
    else at(['provider'], `expected the name of a provider from providers (${known()}), got "${input.provider}"`);
  } else if (input.provider !== undefined || !providers[DEFAULT_PROVIDER_NAME]) {
    if (input.provider !== undefined && providers[DEFAULT_PROVIDER_NAME]) {
      at(['providers', DEFAULT_PROVIDER_NAME], 'expected another name: "default" is the provider: key, and both are set');
    }
    providers[DEFAULT_PROVIDER_NAME] = resolveProviderDef(input.provider ?? { type: 'record' }, env, ['provider'], at);
  }
  const fallback = providers[defaultProvider] ?? { type: 'record' };

  const routes: GrantRoute[] = [];
  const targets = new Map<string, string>();
  input.roles.forEach((r, i) => {
    const scopes = r.scopes ?? [{ path: '/', provider: undefined, target: undefined }];
    scopes.forEach((s, k) => {
      const byScope = s.provider !== undefined || s.target !== undefined;
      const name = s.provider ?? r.provider ?? defaultProvider;
      const target = s.target ?? r.target ?? null;
      const provider = providers[name];
      if (!provider) {
        const path = s.provider !== undefined ? ['roles', i, 'scopes', k, 'provider'] : ['roles', i, 'provider'];
        // One problem per key written, not one per scope that inherits it.
        if (s.provider !== undefined || k === 0) at(path, `expected a provider name from providers (${known()}), got "${name}"`);
        return;
      }
      const problem = targetProblem(provider.type, target);
      if (problem) {
        const path = s.target !== undefined ? ['roles', i, 'scopes', k, 'target'] : byScope ? ['roles', i, 'scopes', k] : ['roles', i, 'target'];
        if (byScope || k === 0) at(path, problem);
        return;
      }
      if ((provider.type === 'record' || provider.type === 'webhook') && target !== null) {
        const path = s.target !== undefined ? ['roles', i, 'scopes', k, 'target'] : ['roles', i, 'target'];
        const why = provider.type === 'record' ? 'is record-only and grants nothing elsewhere' : 'is a webhook: its receiver gets the role and scope as they are';
        if (s.target !== undefined || k === 0) at(path, `expected no target: provider ${name} ${why}`);
        return;
      }
      if (target !== null) {
        // Two grants of one target would take each other away: ending one revokes what the other gave.
        const key = `${name}\n${provider.type === 'postgres' ? target : target.toLowerCase()}`;
        const other = targets.get(key);
        const where = `${r.name} at ${normalizeScope(s.path)}`;
        if (other !== undefined) {
          const path = s.target !== undefined ? ['roles', i, 'scopes', k, 'target'] : ['roles', i, 'target'];
          at(path, `expected each target of provider ${name} once (a scope may name its own), but "${target}" is also what ${other} grants`);
          return;
        }
        targets.set(key, where);
      }
      routes.push({ role: r.name, scope: normalizeScope(s.path), provider: name, target });
    });
  });

  const identities: TargetIdentity[] = [];
  const seen = { postgres: new Map<string, number>(), entra: new Map<string, number>() };
  input.directory.users.forEach((u, i) => {
    const id: TargetIdentity = { principalId: u.id };
    if (u.postgres !== undefined) id.postgres = u.postgres;
    const entra = (u.entra ?? u.teams)?.toLowerCase();
    if (entra !== undefined) id.entra = entra;
    for (const kind of ['postgres', 'entra'] as const) {
      const value = id[kind];
      if (value === undefined) continue;
      const other = seen[kind].get(value);
      // A Teams id shared is reported by the directory itself; an identity shared breaks the reverse lookup.
      if (other !== undefined && (kind === 'postgres' || u.entra !== undefined)) {
        at(['directory', 'users', i, kind], `expected a unique ${kind} identity, but "${value}" is also directory.users.${other}`);
      }
      seen[kind].set(value, i);
    }
    if (id.postgres !== undefined || id.entra !== undefined) identities.push(id);
  });

  return { provider: fallback, grants: { providers, defaultProvider, routes, identities } };
}

/** `reconcile:` with its defaults. */
export function resolveReconcile(input: PimConfigInput['reconcile']): ReconcileConfig {
  return {
    schedule: input.schedule ?? DEFAULT_RECONCILE.schedule,
    missing: input.missing ?? DEFAULT_RECONCILE.missing,
    graceMs: input.grace ?? DEFAULT_RECONCILE.graceMs,
  };
}
