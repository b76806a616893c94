/**
 * The process environment, validated once at start. `loadEnv(process.env)` either returns a
 * typed `Env` or throws a ConfigError naming every bad key (`.env.example` lists them all).
 */
import { z } from 'zod';
import { decodeEncryptionKey } from './encryption-key.js';
import { ConfigError, show } from './errors.js';

export const TEAMS_APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
export type TeamsAppType = (typeof TEAMS_APP_TYPES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEV_MODE_SETTINGS = ['auto', 'true', 'false'] as const;
export type DevModeSetting = (typeof DEV_MODE_SETTINGS)[number];

export const WORK_THREAD_SETTINGS = ['auto', 'on', 'off'] as const;
export type WorkThreadSetting = (typeof WORK_THREAD_SETTINGS)[number];

export interface SlackEnv {
  /** Bot token plus signing secret (HTTP) or app token (Socket Mode). */
  enabled: boolean;
  /** `socket` when SLACK_APP_TOKEN is set; `off` when Slack is not configured. */
  mode: 'http' | 'socket' | 'off';
  botToken?: string;
  signingSecret?: string;
  appToken?: string;
  /** Web API base URL override (tests point it at a local fake). */
  apiUrl?: string;
  /**
   * SLACK_WORK_THREAD (default auto): handle Slack requests on a work thread after the ack.
   * auto: when the bot runs on PostgreSQL in HTTP mode; on: the same, and refuse to start without.
   */
  workThread: WorkThreadSetting;
}

export interface TeamsEnv {
  /** TEAMS_APP_ID is set (with a password, unless the app type is UserAssignedMSI). */
  enabled: boolean;
  appId?: string;
  appPassword?: string;
  tenantId?: string;
  appType: TeamsAppType;
}

/** The validated environment. */
export interface Env {
  /** PostgreSQL URL; undefined means embedded PGlite in `pgliteDir`. */
  databaseUrl?: string;
  pgliteDir: string;
  /** Path of pim.config.yaml. */
  pimConfig: string;
  port: number;
  /** Address to bind: HOST, else 127.0.0.1 in dev mode and 0.0.0.0 otherwise. */
  host: string;
  /** METRICS_TOKEN: a bearer token /metrics requires; unset, /metrics answers only loopback clients. */
  metricsToken?: string;
  slack: SlackEnv;
  teams: TeamsEnv;
  /** IANA time zone for digests and times shown. */
  timezone: string;
  /** PIM_DEV_MODE as given (default auto). */
  devModeSetting: DevModeSetting;
  /** Resolved dev mode: auto is on when neither Slack nor Teams is configured. */
  devMode: boolean;
  logLevel: LogLevel;
  /**
   * PIM_ENCRYPTION_KEY as given (32 bytes, base64 or hex): encrypts MFA secrets at rest. Required
   * outside dev mode, checked at start (src/config/encryption-key.ts); dev mode makes one.
   */
  encryptionKey?: string;
  /** PIM_ENCRYPTION_PREVIOUS_KEYS: keys PIM_ENCRYPTION_KEY replaced, still read until re-encrypted at start. */
  previousEncryptionKeys: string[];
}

/** Every key `loadEnv` reads, in the order `.env.example` lists them. */
export const ENV_KEYS = [
  'DATABASE_URL',
  'PGLITE_DIR',
  'PIM_CONFIG',
  'PORT',
  'HOST',
  'METRICS_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'SLACK_WORK_THREAD',
  'TEAMS_APP_ID',
  'TEAMS_APP_PASSWORD',
  'TEAMS_APP_TENANT_ID',
  'TEAMS_APP_TYPE',
  'PIM_TIMEZONE',
  'PIM_DEV_MODE',
  'LOG_LEVEL',
  'PIM_ENCRYPTION_KEY',
  'PIM_ENCRYPTION_PREVIOUS_KEYS',
] as const;
export type EnvKey = (typeof ENV_KEYS)[number];

/** Keys whose values never appear in an error message. */
const SECRET_KEYS: ReadonlySet<EnvKey> = new Set<EnvKey>([
  'DATABASE_URL',
  'METRICS_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'TEAMS_APP_PASSWORD',
  'PIM_ENCRYPTION_KEY',
  'PIM_ENCRYPTION_PREVIOUS_KEYS',
]);

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isUrl = (s: string, protocols: string[]): boolean => {
  try {
    return protocols.includes(new URL(s).protocol);
  } catch {
    return false;
  }
};

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** A value that must pass `test`; `expected` is what the error says when it does not. */
const valid = (expected: string, test: (s: string) => boolean) =>
  z.string().refine(test, { error: expected }).optional();

/** A case-insensitive choice, returned in its canonical spelling. */
const choice = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s, ctx) => {
      const hit = values.find((v) => v.toLowerCase() === s.toLowerCase());
      if (hit === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}` });
        return z.NEVER;
      }
      return hit;
    })
    .optional();

const KEY_EXPECTED = 'expected 32 random bytes in base64 (44 characters) or hex (64 digits), e.g. from `openssl rand -base64 32`';

const EnvSchema = z.object({
  DATABASE_URL: valid('expected a PostgreSQL URL like postgres://user:password@host:5432/pimbot', (s) =>
    isUrl(s, ['postgres:', 'postgresql:']),
  ),
  PGLITE_DIR: z.string().optional(),
  PIM_CONFIG: z.string().optional(),
  PORT: z
    .string()
    .refine((s) => /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535, { error: 'expected an integer 1-65535' })
    .transform(Number)
    .optional(),
  HOST: valid('expected an address to bind, like 127.0.0.1 or 0.0.0.0', (s) => !/\s|\//.test(s)),
  METRICS_TOKEN: valid('expected at least 16 characters without spaces, e.g. from openssl rand -hex 32', (s) => s.length >= 16 && !/\s/.test(s)),
  SLACK_BOT_TOKEN: valid('expected a Slack bot token (xoxb-...), not an app-level token', (s) => !/\s/.test(s) && !s.startsWith('xapp-')),
  SLACK_SIGNING_SECRET: valid('expected the Slack app signing secret', (s) => !/\s/.test(s)),
  SLACK_APP_TOKEN: valid('expected a Slack app-level token starting with xapp-', (s) => s.startsWith('xapp-')),
  SLACK_API_URL: valid('expected an http(s) URL like http://127.0.0.1:4000/api/', (s) => isUrl(s, ['http:', 'https:'])),
  SLACK_WORK_THREAD: choice(WORK_THREAD_SETTINGS),
  TEAMS_APP_ID: valid('expected the bot Microsoft App ID (a GUID)', (s) => GUID_RE.test(s)),
  TEAMS_APP_PASSWORD: z.string().optional(),
  TEAMS_APP_TENANT_ID: valid('expected the Entra ID tenant id (a GUID)', (s) => GUID_RE.test(s)),
  TEAMS_APP_TYPE: choice(TEAMS_APP_TYPES),
  PIM_TIMEZONE: valid('expected an IANA time zone like UTC or Europe/Berlin', isTimeZone),
  PIM_DEV_MODE: choice(DEV_MODE_SETTINGS),
  LOG_LEVEL: choice(LOG_LEVELS),
  PIM_ENCRYPTION_KEY: valid(KEY_EXPECTED, (s) => decodeEncryptionKey(s) !== null),
  PIM_ENCRYPTION_PREVIOUS_KEYS: valid(`expected a comma-separated list of keys, each ${KEY_EXPECTED.slice('expected '.length)}`, (s) =>
    s.split(',').every((k) => decodeEncryptionKey(k) !== null),
  ),
});

type Present = Partial<Record<EnvKey, string>>;

/** Problems that involve more than one key: half-configured Slack or Teams. */
function crossCheck(v: Present): string[] {
  const problems: string[] = [];

  const slackOthers = (['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const).filter((k) => v[k] !== undefined);
  if (v.SLACK_BOT_TOKEN === undefined && slackOthers.length > 0) {
    problems.push(`SLACK_BOT_TOKEN: required when ${slackOthers.join(' or ')} is set`);
  }
  if (v.SLACK_BOT_TOKEN !== undefined && slackOthers.length === 0) {
    problems.push(
      'SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set (or set SLACK_APP_TOKEN to use Socket Mode instead)',
    );
  }

  const type = TEAMS_APP_TYPES.find((t) => t.toLowerCase() === v.TEAMS_APP_TYPE?.toLowerCase());
  const teamsOthers = (['TEAMS_APP_PASSWORD', 'TEAMS_APP_TENANT_ID', 'TEAMS_APP_TYPE'] as const).filter(
    (k) => v[k] !== undefined,
  );
  if (v.TEAMS_APP_ID === undefined && teamsOthers.length > 0) {
    problems.push(`TEAMS_APP_ID: required when ${teamsOthers.join(' or ')} is set`);
  }
  if (v.TEAMS_APP_ID !== undefined && v.TEAMS_APP_PASSWORD === undefined && type !== 'UserAssignedMSI') {
    problems.push('TEAMS_APP_PASSWORD: required when TEAMS_APP_ID is set (unless TEAMS_APP_TYPE is UserAssignedMSI)');
  }
  if ((type === 'SingleTenant' || type === 'UserAssignedMSI') && v.TEAMS_APP_TENANT_ID === undefined) {
    problems.push(`TEAMS_APP_TENANT_ID: required when TEAMS_APP_TYPE is ${type}`);
  }
  return problems;
}

/**
 * Validates the environment. Empty (or blank) values count as unset; values are trimmed.
 * Throws a ConfigError listing every bad key with what was expected (secrets are never echoed).
 */
export function loadEnv(source: Record<string, string | undefined>): Env {
  const present: Present = {};
  for (const key of ENV_KEYS) {
    const value = source[key]?.trim();
    if (value) present[key] = value;
  }

  const parsed = EnvSchema.safeParse(present);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]) as EnvKey;
      const got = SECRET_KEYS.has(key) ? '' : `, got ${show(present[key])}`;
      problems.push(`${key}: ${issue.message}${got}`);
    }
  }
  problems.push(...crossCheck(present));
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError('The environment is not valid (see .env.example):', problems);
  }

  const e = parsed.data;
  const slackMode = e.SLACK_BOT_TOKEN === undefined ? 'off' : e.SLACK_APP_TOKEN !== undefined ? 'socket' : 'http';
  const slack: SlackEnv = {
    enabled: slackMode !== 'off',
    mode: slackMode,
    botToken: e.SLACK_BOT_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET,
    appToken: e.SLACK_APP_TOKEN,
    apiUrl: e.SLACK_API_URL,
    workThread: e.SLACK_WORK_THREAD ?? 'auto',
  };
  const teams: TeamsEnv = {
    enabled: e.TEAMS_APP_ID !== undefined,
    appId: e.TEAMS_APP_ID,
    appPassword: e.TEAMS_APP_PASSWORD,
    tenantId: e.TEAMS_APP_TENANT_ID,
    appType: e.TEAMS_APP_TYPE ?? (e.TEAMS_APP_TENANT_ID !== undefined ? 'SingleTenant' : 'MultiTenant'),
  };
  const devModeSetting = e.PIM_DEV_MODE ?? 'auto';
  const devMode = devModeSetting === 'auto' ? !slack.enabled && !teams.enabled : devModeSetting === 'true';

  return {
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR ?? './.data/pglite',
    pimConfig: e.PIM_CONFIG ?? './pim.config.yaml',
    port: e.PORT ?? 3000,
    host: e.HOST ?? (devMode ? '127.0.0.1' : '0.0.0.0'),
    metricsToken: e.METRICS_TOKEN,
    slack,
    teams,
    timezone: e.PIM_TIMEZONE ?? 'UTC',
    devModeSetting,
    devMode,
    logLevel: e.LOG_LEVEL ?? 'info',
    ...(e.PIM_ENCRYPTION_KEY ? { encryptionKey: e.PIM_ENCRYPTION_KEY } : {}),
    previousEncryptionKeys: e.PIM_ENCRYPTION_PREVIOUS_KEYS?.split(',').map((k) => k.trim()) ?? [],
  };
}
