/**
 * The one GrantProvider the core and the dispatcher see when roles are granted by different
 * systems: it finds the role's route (`roles[].provider` / `target`, per scope), resolves the
 * principal's identity there, and hands the call to that provider. The core needs no change to
 * route: it queues grants as before, and this decides where each goes.
 */
import { DeliveryError, type GrantProvider, type GrantTarget, type HeldGrant } from '../core/index.js';
import type { GrantRoute, IdentityKind, TargetIdentity } from './config.js';

/** A grant with what the route adds: the target on that system and the principal's identity there. */
export interface RoutedGrant extends GrantTarget {
  /** What the role maps to on the target system (`roles[].target`); null when the route names none. */
  target: string | null;
  /** The principal's identity there; null for providers that need none (record, webhook). */
  identity: string | null;
}

/** A provider as the router drives it. */
export interface TargetProvider {
  readonly name: string;
  readonly inline: boolean;
  /** The directory identity grants go to; null when the provider needs none. */
  readonly identity: IdentityKind | null;
  /** Idempotent: granting what is held, or revoking what is not, succeeds. Throws DeliveryError to retry. */
  grant(g: RoutedGrant): Promise<void>;
  revoke(g: RoutedGrant): Promise<void>;
  /** The identities holding `target` now; null when the provider keeps nothing to compare. */
  list(target: string | null): Promise<string[] | null>;
  /** Releases connections (PostgreSQL). */
  close?(): Promise<void>;
}

/** Adapts a provider that needs no route (record, webhook) to the router. */
export function unrouted(p: GrantProvider): TargetProvider {
  return {
    name: p.name,
    inline: p.inline,
    identity: null,
    grant: (g) => p.grant(g),
    revoke: (g) => p.revoke(g),
    list: async () => null,
  };
}

export interface RoutingOptions {
  /** Providers by their name in `providers:`. */
  providers: Record<string, TargetProvider>;
  /** Used for a role or scope with no route (one removed from the config since it was granted). */
  defaultProvider: string;
  routes: GrantRoute[];
  identities: TargetIdentity[];
}

const key = (role: string, scope: string): string => `${role.toLowerCase()}\n${scope.toLowerCase()}`;

export class RoutingProvider implements GrantProvider {
  readonly name: string;
  /** Inline only when every provider is: then grants never leave the database. */
  readonly inline: boolean;
  private readonly routes = new Map<string, GrantRoute>();
  private readonly byPrincipal = new Map<string, TargetIdentity>();
  private readonly byIdentity: Record<IdentityKind, Map<string, string>> = { postgres: new Map(), entra: new Map() };

  constructor(private readonly o: RoutingOptions) {
    if (!o.providers[o.defaultProvider]) throw new Error(`routing: no provider named ${o.defaultProvider}`);
    for (const r of o.routes) {
      if (!o.providers[r.provider]) throw new Error(`routing: ${r.role} at ${r.scope} names no provider ${r.provider}`);
      this.routes.set(key(r.role, r.scope), r);
    }
    for (const id of o.identities) {
      this.byPrincipal.set(id.principalId.toLowerCase(), id);
      if (id.postgres) this.byIdentity.postgres.set(id.postgres, id.principalId);
      if (id.entra) this.byIdentity.entra.set(id.entra.toLowerCase(), id.principalId);
    }
    const used = [...new Set([o.defaultProvider, ...o.routes.map((r) => r.provider)])];
    this.name = used.map((n) => o.providers[n]?.name ?? n).filter((n, i, all) => all.indexOf(n) === i).join('+');
    this.inline = used.every((n) => o.providers[n]?.inline);
  }

  async grant(a: GrantTarget): Promise<void> {
    const { provider, routed } = this.route(a);
    await provider.grant(routed);
  }

  async revoke(a: GrantTarget): Promise<void> {
    const { provider, routed } = this.route(a);
    await provider.revoke(routed);
  }

  async list(at: { role: string; scope: string }): Promise<HeldGrant[] | null> {
    const route = this.routes.get(key(at.role, at.scope));
    const provider = this.o.providers[route?.provider ?? this.o.defaultProvider] as TargetProvider;
    const held = await provider.list(route?.target ?? null);
    if (held === null) return null;
    const kind = provider.identity;
    return held.map((identity) => ({
      identity,
      principalId: kind ? (this.byIdentity[kind].get(kind === 'entra' ? identity.toLowerCase() : identity) ?? null) : null,
    }));
  }

  /** Which provider grants `a`, and the grant with its target and identity there. */
  private route(a: GrantTarget): { provider: TargetProvider; routed: RoutedGrant } {
    const route = this.routes.get(key(a.role, a.scope));
    const provider = this.o.providers[route?.provider ?? this.o.defaultProvider] as TargetProvider;
    const kind = provider.identity;
    let identity: string | null = null;
    if (kind) {
      identity = this.byPrincipal.get(a.principalId.toLowerCase())?.[kind] ?? null;
      if (identity === null) {
        // Retrying cannot help until the config changes, so this ends the grant now, with the reason.
        const where = kind === 'postgres' ? 'directory.users[].postgres' : 'directory.users[].entra (or .teams)';
        throw new DeliveryError(`${a.principalId} has no ${kind === 'postgres' ? 'PostgreSQL login' : 'Entra object id'} for ${provider.name} (set ${where})`, undefined, true);
      }
    }
    return { provider, routed: { ...a, target: route?.target ?? null, identity } };
  }

  /** Closes every provider's connections. */
  async close(): Promise<void> {
    await Promise.allSettled(Object.values(this.o.providers).map((p) => p.close?.()));
  }
}
