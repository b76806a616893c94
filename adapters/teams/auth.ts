/**
 * How `/api/messages` authenticates, decided once from the environment:
 * - `jwt`: TEAMS_APP_ID is set; every activity must carry a Bot Framework token (validated by
 *   botbuilder against the app id, tenant and type).
 * - `dev`: no TEAMS_APP_ID but PIM_DEV_MODE; activities are accepted without a token (tests and
 *   local use only: anyone who can reach the port can act as any AAD object id).
 * - `refused`: neither; every activity is answered 401 and the bot never runs.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Env } from '../../src/config/env.js';
import type { Logger } from '../../src/logger.js';

export type AuthMode = 'jwt' | 'dev' | 'refused';

export interface BotAdapter {
  mode: AuthMode;
  /** The CloudAdapter; null when refused. */
  adapter: CloudAdapter | null;
  /** The bot's Microsoft App ID ('' in dev mode). */
  appId: string;
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

export function createBotAdapter(env: Env, logger: Logger): BotAdapter {
  const mode = authMode(env);
  if (mode === 'refused') {
    logger.warn('Teams is off: TEAMS_APP_ID is not set and dev mode is off, so /api/messages refuses every activity.');
    return { mode, adapter: null, appId: '' };
  }
  if (mode === 'dev') {
    logger.warn(
      'TEAMS DEV MODE: /api/messages accepts Bot Framework activities WITHOUT A TOKEN because TEAMS_APP_ID is unset and PIM_DEV_MODE is on. Anyone who can reach this port can act as any Teams user. Never expose it to a network.',
    );
  }
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(mode === 'jwt' ? botConfiguration(env) : {}));
  adapter.onTurnError = async (_ctx, err) => {
    logger.error({ err }, 'Teams turn failed');
  };
  return { mode, adapter, appId: env.teams.appId ?? '' };
}
