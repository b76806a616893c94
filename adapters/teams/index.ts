/**
 * The Microsoft Teams adapter: `POST /api/messages` through botbuilder's CloudAdapter (JWT auth
 * with TEAMS_APP_ID; open only in dev mode; refused otherwise), the turn handlers, and the
 * Messenger the outbox delivers Teams notices through.
 */
import type { ChatAdapter, ChatAdapterDeps, ChatAdapterFactory } from '../types.js';
import { createBotAdapter, type BotAuthOverrides } from './auth.js';
import { createTurnHandler } from './bot.js';
import { messagesHandler } from './http.js';
import { TeamsMessenger } from './messenger.js';
import { ReferenceBook } from './references.js';

export const MESSAGES_PATH = '/api/messages';

export const teamsAdapter: ChatAdapterFactory = (deps) => teamsAdapterWith({})(deps);

/** The Teams adapter with botbuilder's authentication settings replaced (tests: a local OpenID key server). */
export const teamsAdapterWith = (auth: BotAuthOverrides) => (deps: ChatAdapterDeps): ChatAdapter => {
  const bot = createBotAdapter(deps.env, deps.logger, auth);
  const references = new ReferenceBook(deps.conversations, () => deps.clock.now());
  const onTurn = createTurnHandler({ pim: deps.pim, env: deps.env, config: deps.config, clock: deps.clock, logger: deps.logger, references, messageRefs: deps.messageRefs });
  return {
    platform: 'teams',
    routes: [{ method: 'POST', path: MESSAGES_PATH, handler: messagesHandler(bot, onTurn, deps.logger) }],
    // Without an adapter nothing can be delivered, so Teams takes no part in notices.
    messenger: bot.adapter
      ? new TeamsMessenger({ adapter: bot.adapter, appId: bot.appId, pim: deps.pim, config: deps.config, env: deps.env, clock: deps.clock, references, pacer: deps.pacer })
      : undefined,
  };
};
