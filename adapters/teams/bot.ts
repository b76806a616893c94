/**
 * The bot's turn: routes each activity to its handler. Nothing thrown escapes a turn: an invoke
 * always gets an invoke response, a failed command gets an apology, and the error is logged.
 */
import type { TurnContext } from 'botbuilder';
import { CARD_ACTION_INVOKE, readSubmitAction } from './activity.js';
import { renderFor, type TeamsDeps } from './context.js';
import { handleCardAction, handleSubmittedCard } from './handlers/card-action.js';
import { rememberConversation } from './handlers/conversation.js';
import { handleMessage } from './handlers/message.js';
import { handleFileConsent, FILE_CONSENT_INVOKE } from './handlers/file-consent.js';
import { invokeResponse } from './outcome.js';
import { replyMessage } from './render.js';

/** A message carrying card data (Action.Submit) rather than typed text. */
function isCardSubmit(ctx: TurnContext): boolean {
  const { value, text } = ctx.activity;
  if (typeof value !== 'object' || value === null) return false;
  return readSubmitAction(value) !== null || typeof text !== 'string' || text.trim() === '';
}

export function createTurnHandler(deps: TeamsDeps): (ctx: TurnContext) => Promise<void> {
  const remember = async (ctx: TurnContext): Promise<void> => {
    try {
      await rememberConversation(deps, ctx.activity);
    } catch (err) {
      // Proactive messages fall back to what is already stored; the command still runs.
      deps.logger.warn({ err }, 'could not store the Teams conversation reference');
    }
  };

  return async function onTurn(ctx: TurnContext): Promise<void> {
    const activity = ctx.activity;
    switch (activity.type) {
      case 'message':
        await remember(ctx);
        try {
          if (isCardSubmit(ctx)) await handleSubmittedCard(deps, ctx);
          else await handleMessage(deps, ctx);
        } catch (err) {
          deps.logger.error({ err }, 'Teams message handler failed');
          await ctx
            .sendActivity(replyMessage({ kind: 'error', message: 'Something went wrong on my side and nothing may have been done. Try again in a minute; if it keeps failing, tell a PIM admin.' }, renderFor(deps)))
            .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not send the apology either'));
        }
        return;
      case 'invoke':
        await remember(ctx);
        if (activity.name === CARD_ACTION_INVOKE) {
          await handleCardAction(deps, ctx);
        } else if (activity.name === FILE_CONSENT_INVOKE) {
          await handleFileConsent(deps, ctx);
        } else {
          const body = { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'NotSupported', message: `pimbot does not handle ${String(activity.name).slice(0, 60)}.` } };
          await ctx.sendActivity(invokeResponse(body));
        }
        return;
      case 'conversationUpdate':
      case 'installationUpdate':
        await remember(ctx);
        return;
      default:
        return;
    }
  };
}
