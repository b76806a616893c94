/**
 * Builds the core the same way for every entry point: the bot (src/app.ts), the Slack work
 * thread, the admin CLI (src/cli.ts), the benchmarks and the tests share one way to make the
 * store, grant provider, MFA verifier and `Pim`, so a rule can never differ between them.
 */
import { resolveEncryptionKeys } from './config/encryption-key.js';
import type { Env } from './config/env.js';
import { buildDirectory, type PimConfig } from './config/pim-config.js';
import { Pim, type Clock, type GrantProvider, type IdGenerator, type Platform } from './core/index.js';
import type { Database } from './db/client.js';
import { DrizzleStore } from './db/store.js';
import { randomIds } from './ids.js';
import { SecretBox, type KeyRing } from './mfa/secret-box.js';
import { TotpVerifier } from './mfa/verifier.js';
import { createGrantProvider } from './providers/index.js';

/** The parts of pim.config.yaml the core is built from (`mfa` defaults to the core's lockout; `grants` is needed unless a provider is given). */
export type CoreConfig = Pick<PimConfig, 'principals' | 'groups' | 'admins' | 'auditors' | 'channels' | 'roles'> & Partial<Pick<PimConfig, 'mfa' | 'grants' | 'alerts' | 'reviews'>>;

export interface CoreInput {
  config: CoreConfig;
  /** An open (and migrated) database. */
  database: Pick<Database, 'db'>;
  clock: Clock;
  /**
   * The environment the bot or CLI runs with: where the default platforms and MFA keys come
   * from. Without it (benchmarks, tests) `platforms` and `keys` must be given.
   */
  env?: Env;
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
  /** The grant provider. Default: the one the config names (`providers:`). */
  provider?: GrantProvider;
  /** Request and assignment ids. Default: random. */
  ids?: IdGenerator;
}

export interface Core {
  pim: Pim;
  store: DrizzleStore;
  /** `close` releases the provider's connections (PostgreSQL targets). */
  provider: GrantProvider & { close?(): Promise<void> };
  mfa: TotpVerifier;
}

/** The store, provider, MFA verifier and `Pim` over an open (and migrated) database. */
export function buildCore(input: CoreInput): Core {
  const { config, database, clock, env } = input;
  const store = new DrizzleStore(database.db, { clock, ...(input.onOutboxCommit ? { onOutboxCommit: input.onOutboxCommit } : {}) });
  const provider = input.provider ?? createGrantProvider(config.grants ?? missing('grants'), () => clock.now());
  const keys = input.keys ?? (env ? () => resolveEncryptionKeys(env).ring : missing('keys'));
  const mfa = new TotpVerifier({ box: new SecretBox(keys) });
  const fromEnv = env ? platformsFor(env) : null;
  const pim = new Pim({
    store,
    clock,
    ids: input.ids ?? randomIds,
    directory: buildDirectory(config),
    roles: config.roles,
    platforms: input.platforms ?? (fromEnv ? () => fromEnv : missing('platforms')),
    channels: Object.keys(config.channels),
    provider: { name: provider.name, inline: provider.inline },
    mfa,
    ...(config.mfa ? { mfaLockout: config.mfa } : {}),
    ...(config.alerts ? { alerts: config.alerts } : {}),
    ...(config.reviews ? { reviewDefinitions: config.reviews } : {}),
  });
  return { pim, store, provider, mfa };
}

function missing(what: 'keys' | 'platforms' | 'grants'): never {
  throw new Error(`buildCore: give ${what}, or env to take ${what} from`);
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
