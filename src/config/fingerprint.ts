/**
 * What the audit trail records about the config at each start (Pim.recordConfig): a SHA-256 of
 * what the config means (not of its text, so comments and layout do not count) and a snapshot of
 * the parts that decide who may do what: roles and their per-scope policies (approvers included),
 * admins, auditors, channels, schedules, alert thresholds, delivery, the Slack workspaces and the
 * grant provider (never its secret). The directory is large and is recorded by its own hash.
 */
import { createHash } from 'node:crypto';
import type { PimConfig } from './pim-config.js';

export interface ConfigFingerprint {
  sha256: string;
  snapshot: Record<string, unknown>;
}

const sha256 = (value: unknown): string => createHash('sha256').update(canonical(value)).digest('hex');

/** JSON with object keys sorted, so equal configs hash equally whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** A provider without what must not reach the audit trail: secrets, keys, connection URLs. */
function publicPart(p: PimConfig['provider']): Record<string, unknown> {
  const { secret: _secret, credential: _credential, ...rest } = p as PimConfig['provider'] & { secret?: unknown; credential?: unknown };
  if (rest.type === 'postgres') {
    const { url, ...more } = rest;
    let host = '';
    try {
      host = new URL(url).host;
    } catch {
      // an unreadable URL was refused at start; nothing to show
    }
    return { ...more, host };
  }
  return rest;
}

export function configFingerprint(config: PimConfig): ConfigFingerprint {
  const provider = publicPart(config.provider);
  const roles = Object.fromEntries(
    config.roles.map((r) => [r.name, Object.fromEntries(r.scopes.map((s) => [s.path, s.policy]))]),
  );
  const snapshot: Record<string, unknown> = {
    roles,
    admins: config.admins,
    auditors: config.auditors,
    channels: config.channels,
    schedules: config.schedules,
    alerts: config.alerts,
    delivery: config.delivery,
    slack: config.slack,
    provider,
    // Only a config that names providers or routes records them, so the fingerprint of one that
    // does not is what it was before they existed.
    ...(config.grants.routes.some((r) => r.target !== null) || Object.keys(config.grants.providers).some((n) => n !== 'default')
      ? {
          providers: Object.fromEntries(Object.entries(config.grants.providers).map(([n, p]) => [n, publicPart(p)])),
          routes: config.grants.routes,
          reconcile: config.reconcile,
        }
      : {}),
    directory: sha256({ principals: config.principals, groups: config.groups }),
  };
  return { sha256: sha256(snapshot), snapshot: JSON.parse(canonical(snapshot)) as Record<string, unknown> };
}
