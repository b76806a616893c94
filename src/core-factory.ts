/**
 * Builds the core the same way for every entry point: the bot (src/app.ts) and the admin CLI
 * (src/cli.ts) share one store, grant provider, MFA verifier and `Pim`, so a rule can never
 * differ between chat and the command line.
 */
import { resolveEncryptionKeys } from './config/encryption-key.js';
import type { Env } from './config/env.js';
import { buildDirectory, type PimConfig } from './config/pim-config.js';
import { Pim } from './core/pim.js';
import type { Clock, GrantProvider } from './core/ports.js';
import type { Platform } from './core/types.js';
import type { Database } from './db/client.js';
import { DrizzleStore } from './db/store.js';
import { randomIds } from './ids.js';
import { SecretBox, type KeyRing } from './mfa/secret-box.js';
import { TotpVerifier } from './mfa/verifier.js';
import { createGrantProvider } from './providers/index.js';

export interface CoreOptions {
  /** Called after a commit that queued outbox rows (the bot wakes its dispatcher). */
  onOutboxCommit?: () => void;
  /**
   * The chat platforms notices are queued for. Default: the platforms a bot started with this
   * env runs (see `platformsFor`), so notices the CLI queues reach people through the bot.
   */
  platforms?: () => Platform[];
  /**
   * The keys MFA secrets are encrypted with. Default: found from env when first needed
   * (PIM_ENCRYPTION_KEY, or dev mode's key file), so a CLI command that never touches MFA runs
   * without one.
   */
  keys?: KeyRing | (() => KeyRing);
}

export interface Core {
  pim: Pim;
  store: DrizzleStore;
  /** `close` releases the provider's connections (PostgreSQL targets). */
  provider: GrantProvider & { close?(): Promise<void> };
  mfa: TotpVerifier;
}

/** The store, provider, MFA verifier and `Pim` over an open (and migrated) database. */
export function buildCore(env: Env, config: PimConfig, database: Database, clock: Clock, options: CoreOptions = {}): Core {
  const store = new DrizzleStore(database.db, { clock, ...(options.onOutboxCommit ? { onOutboxCommit: options.onOutboxCommit } : {}) });
  const provider = createGrantProvider(config.grants, () => clock.now());
  const mfa = new TotpVerifier({ box: new SecretBox(options.keys ?? (() => resolveEncryptionKeys(env).ring)) });
  const fromEnv = platformsFor(env);
  const pim = new Pim({
    store,
    clock,
    ids: randomIds,
    directory: buildDirectory(config),
    roles: config.roles,
    platforms: options.platforms ?? (() => fromEnv),
    channels: Object.keys(config.channels),
    provider: { name: provider.name, inline: provider.inline },
    mfa,
    mfaLockout: config.mfa,
  });
  return { pim, store, provider, mfa };
}

/**
 * The platforms a bot started with `env` delivers to: Slack when configured, Teams when
 * configured or in dev mode, the playground in dev mode (the rule src/app.ts starts adapters by).
 * A notice queued for a platform the bot does not run is settled without being sent.
 */
export function platformsFor(env: Env): Platform[] {
  const platforms: Platform[] = [];
  if (env.slack.enabled) platforms.push('slack');
  if (env.teams.enabled || env.devMode) platforms.push('teams');
  if (env.devMode) platforms.push('playground');
  return platforms;
}

/** Applies `bootstrap.assignments` if the database has no assignments yet; returns how many. */
export function applyBootstrap(pim: Pim, config: PimConfig, clock: Clock): Promise<number> {
  return pim.bootstrap(
    config.bootstrap.assignments.map((b) => ({
      principal: b.principal,
      role: b.role,
      scope: b.scope,
      type: b.type,
      endsAt: b.until ?? (b.forMs !== null ? new Date(clock.now().getTime() + b.forMs) : null),
    })),
  );
}
