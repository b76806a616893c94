/**
 * What each grant provider needs, after pim.config.yaml is validated (src/config resolves
 * secrets and URLs from the environment), and how a role's `target` reads for each type.
 */

/** Client credentials for Microsoft Entra ID: a client secret, or a certificate (PEM private key). */
export type EntraCredential = { secret: string } | { thumbprint: string; privateKey: string };

/** The shared part of the entra and azure providers: who the bot is and where it gets tokens. */
export interface MicrosoftApp {
  tenantId: string;
  clientId: string;
  credential: EntraCredential;
  /** Authority host (default https://login.microsoftonline.com); tests point it at a fake. */
  authority: string;
  timeoutMs: number;
}

export type ProviderConfig =
  | { type: 'record' }
  | { type: 'webhook'; url: string; secret: string; timeoutMs?: number }
  | { type: 'postgres'; url: string; terminateSessions: boolean; timeoutMs?: number }
  | ({ type: 'entra'; graphUrl: string } & MicrosoftApp)
  | ({ type: 'azure'; armUrl: string } & MicrosoftApp);

export type ProviderType = ProviderConfig['type'];

export const PROVIDER_TYPES: readonly ProviderType[] = ['record', 'webhook', 'postgres', 'entra', 'azure'];

/** The directory identity a provider type grants to (`directory.users[].postgres` / `.entra`). */
export type IdentityKind = 'postgres' | 'entra';

export const IDENTITY_OF: Record<ProviderType, IdentityKind | null> = {
  record: null,
  webhook: null,
  postgres: 'postgres',
  entra: 'entra',
  azure: 'entra',
};

/** Where one role at one scope is granted: which named provider, and what it maps to there. */
export interface GrantRoute {
  role: string;
  scope: string;
  provider: string;
  target: string | null;
}

/** A principal's identities on target systems (an Entra object id defaults to its Teams id). */
export interface TargetIdentity {
  principalId: string;
  postgres?: string;
  entra?: string;
}

/** Everything the routing provider is built from. */
export interface GrantsConfig {
  /** Named providers; the default one is among them. */
  providers: Record<string, ProviderConfig>;
  /** The provider of roles and scopes that name none. */
  defaultProvider: string;
  routes: GrantRoute[];
  identities: TargetIdentity[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An Entra target: a directory role (by role definition id, at a directory scope) or a PIM-for-Groups group. */
export type EntraTarget =
  | { kind: 'role'; roleDefinitionId: string; directoryScopeId: string }
  | { kind: 'group'; groupId: string; accessId: 'member' | 'owner' };

/**
 * `<roleDefinitionId>` or `<roleDefinitionId>@<directoryScopeId>` for a directory role;
 * `group:<groupId>` or `group:<groupId>:owner` for a group. Null when it reads as neither.
 */
export function parseEntraTarget(text: string): EntraTarget | null {
  const group = /^group:([^:]+)(?::(member|owner))?$/.exec(text);
  if (group) {
    const groupId = group[1] as string;
    return GUID.test(groupId) ? { kind: 'group', groupId: groupId.toLowerCase(), accessId: (group[2] as 'member' | 'owner' | undefined) ?? 'member' } : null;
  }
  const [id, scope, ...rest] = text.split('@');
  if (rest.length > 0 || !id || !GUID.test(id)) return null;
  if (scope !== undefined && !scope.startsWith('/')) return null;
  return { kind: 'role', roleDefinitionId: id.toLowerCase(), directoryScopeId: scope ?? '/' };
}

/** An Azure target: a role definition at an ARM scope. */
export interface AzureTarget {
  /** The ARM scope the role is assigned at, like /subscriptions/<id>/resourceGroups/<name>. */
  scope: string;
  /** The full role definition id, as ARM wants it in roleDefinitionId. */
  roleDefinitionId: string;
  /** The role definition's GUID. */
  roleGuid: string;
}

const ROLE_DEF = /^(\/.*?)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i;

/**
 * `<armScope>/providers/Microsoft.Authorization/roleDefinitions/<guid>`: the role definition at
 * the scope it is assigned at (ARM's own spelling of a role definition id). Null otherwise.
 */
export function parseAzureTarget(text: string): AzureTarget | null {
  const m = ROLE_DEF.exec(text);
  const scope = m?.[1];
  if (!m || !scope || !GUID.test(m[2] as string)) return null;
  if (!/^\/(subscriptions|providers\/Microsoft\.Management\/managementGroups)\/[^/]+/i.test(scope)) return null;
  return { scope, roleDefinitionId: text, roleGuid: (m[2] as string).toLowerCase() };
}

/** PostgreSQL identifiers are at most 63 bytes; anything else is quoted, so any name is safe. */
export function isPostgresName(text: string): boolean {
  return text.length > 0 && Buffer.byteLength(text, 'utf8') <= 63 && !text.includes('\0');
}

/** Why `target` cannot be the target of a provider of `type`, or null when it can. */
export function targetProblem(type: ProviderType, target: string | null): string | null {
  switch (type) {
    case 'record':
    case 'webhook':
      return null;
    case 'postgres':
      if (target === null) return 'expected target: the PostgreSQL role this role grants, like app_admin';
      return isPostgresName(target) ? null : `expected a PostgreSQL role name of 1 to 63 bytes, got "${target}"`;
    case 'entra':
      if (target === null) return 'expected target: an Entra role definition id (a GUID, optionally @<directoryScopeId>) or group:<groupId>[:member|:owner]';
      return parseEntraTarget(target) ? null : `expected an Entra role definition id (a GUID, optionally @/administrativeUnits/<id>) or group:<groupId>[:member|:owner], got "${target}"`;
    case 'azure':
      if (target === null) return 'expected target: /subscriptions/<id>[/...]/providers/Microsoft.Authorization/roleDefinitions/<guid>';
      return parseAzureTarget(target) ? null : `expected /subscriptions/<id>[/...]/providers/Microsoft.Authorization/roleDefinitions/<guid>, got "${target}"`;
  }
}
