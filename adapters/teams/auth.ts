/**
 * How `/api/messages` authenticates, decided once from the environment:
 * - `jwt`: TEAMS_APP_ID is set; every activity must carry a Bot Framework token (validated by
 *   botbuilder against the app id, tenant and type).
 * - `dev`: no TEAMS_APP_ID but PIM_DEV_MODE; activities are accepted without a token (tests and
 *   local use only: anyone who can reach the port can act as any AAD object id).
 * - `refused`: neither; every activity is answered 401 and the bot never runs.
 *
 * A token botbuilder does not accept is a 401 whatever the reason (bad signature, `alg: none`, an
 * HS256 token signed with the public key, expired, wrong audience or issuer); when the signing
 * keys (OpenID metadata, JWKS) cannot be fetched, nothing can be checked and the answer is 503.
 * Neither runs the activity: authentication fails closed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Env } from '../../src/config/env.js';
import type { Logger } from '../../src/logger.js';

export type AuthMode = 'jwt' | 'dev' | 'refused';

export type BotAuthentication = ConfigurationBotFrameworkAuthentication;
export type AuthenticatedRequest = Awaited<ReturnType<BotAuthentication['authenticateRequest']>>;

/**
 * A CloudAdapter that runs an activity whose request http.ts has already authenticated, so a
 * failure to authenticate is answered by pimbot (401 or 503) rather than as botbuilder's 500.
 */
export class PreAuthenticatedAdapter extends CloudAdapter {
  runAuthenticated(auth: AuthenticatedRequest, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity, logic);
  }
}

export interface BotAdapter {
  mode: AuthMode;
  /** The CloudAdapter; null when refused. */
  adapter: PreAuthenticatedAdapter | null;
  /** What checks an activity's token (the adapter's own); null when refused. */
  auth: BotAuthentication | null;
  /** The bot's Microsoft App ID ('' in dev mode). */
  appId: string;
}

/**
 * Botbuilder settings that replace the public cloud's, e.g. where the OpenID metadata is
 * (`ToBotFromChannelOpenIdMetadataUrl`): tests point them at a local key server.
 */
export type BotAuthOverrides = Partial<ConfigurationBotFrameworkAuthenticationOptions>;

/**
 * The public cloud's settings (botframework-connector's AuthenticationConstants). Botbuilder uses
 * them only when none of these keys is set; set one and it takes all of them as given, so an
 * override is merged over the full set.
 */
const PUBLIC_CLOUD = {
  ValidateAuthority: true,
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: 'urn:botframework:azure',
} satisfies BotAuthOverrides;

/** Why a token was refused: 401, or 503 when the keys to check it could not be had. */
export interface AuthFailure {
  status: 401 | 503;
  reason: string;
}

// jsonwebtoken's verification errors: a bad signature, an algorithm not allowed, a malformed,
// expired or not-yet-valid token. Botbuilder rethrows these as they are.
const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/**
 * How a failed `authenticateRequest` is answered. Botbuilder throws an AuthenticationError with
 * status 401 for a token it refuses, one with status 500 when the key endpoint answered with an
 * error, node-fetch's FetchError when it could not be reached at all, and jsonwebtoken's errors
 * unchanged. Anything else is not a verdict on the token either, so it is a 503 too: either
 * way, nothing runs.
 */
export function classifyAuthFailure(err: unknown): AuthFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; statusCode?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.name === 'string' && TOKEN_ERRORS.has(e.name)) return { status: 401, reason: message };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { status: 401, reason: message };
  return { status: 503, reason: message };
}

export function authMode(env: Env): AuthMode {
  if (env.teams.enabled) return 'jwt';
  return env.devMode ? 'dev' : 'refused';
}

/** Botbuilder's configuration keys, from TEAMS_APP_*. */
export function botConfiguration(env: Env): ConfigurationBotFrameworkAuthenticationOptions {
  const t = env.teams;
  return {
    MicrosoftAppId: t.appId,
    MicrosoftAppPassword: t.appPassword,
    MicrosoftAppTenantId: t.tenantId,
    MicrosoftAppType: t.appType,
  };
}

export function createBotAdapter(env: Env, logger: Logger, overrides: BotAuthOverrides = {}): BotAdapter {
  const mode = authMode(env);
  if (mode === 'refused') {
    logger.warn('Teams is off: TEAMS_APP_ID is not set and dev mode is off, so /api/messages refuses every activity.');
    return { mode, adapter: null, auth: null, appId: '' };
  }
  if (mode === 'dev') {
    logger.warn(
      'TEAMS DEV MODE: /api/messages accepts Bot Framework activities WITHOUT A TOKEN because TEAMS_APP_ID is unset and PIM_DEV_MODE is on. Anyone who can reach this port can act as any Teams user. Never expose it to a network.',
    );
  }
  const replaced = Object.keys(overrides).length > 0 ? { ...PUBLIC_CLOUD, ...overrides } : {};
  const auth = new ConfigurationBotFrameworkAuthentication({ ...(mode === 'jwt' ? botConfiguration(env) : {}), ...replaced });
  const adapter = new PreAuthenticatedAdapter(auth);
  adapter.onTurnError = async (_ctx, err) => {
    logger.error({ err }, 'Teams turn failed');
  };
  return { mode, adapter, auth, appId: env.teams.appId ?? '' };
}

const consoleTarget = new AsyncLocalStorage<(text: string) => void>();
let consoleRouted = false;

/**
 * Runs `check` (a token check by botframework-connector) with what the library writes to
 * console.error sent to `to` instead: it prints a refused token's whole stack trace (an expired
 * one) or the signing key it tried, on every 401, bypassing the JSON log. Only calls made within
 * `check` are routed (AsyncLocalStorage); everything else reaches the console as before.
 */
export function routingLibraryConsole<T>(to: (text: string) => void, check: () => Promise<T>): Promise<T> {
  if (!consoleRouted) {
    consoleRouted = true;
    const original = console.error.bind(console);
    console.error = (...args: unknown[]) => {
      const target = consoleTarget.getStore();
      if (target) target(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' '));
      else original(...args);
    };
  }
  return consoleTarget.run(to, check);
}
