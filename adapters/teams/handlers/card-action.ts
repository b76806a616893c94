/**
 * Card actions: the `adaptiveCard/action` invoke (Universal Actions) and the Action.Submit
 * fallback (a message whose `value` names the verb), both through one table of verbs. The presser
 * is resolved from the activity on the server; the card's data is only a hint.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { ACTIVATE_OPEN, ACTIVATE_SUBMIT, ALERT_ITEMS, ALERT_REVIEW, APPROVE, CANCEL, DEACTIVATE, DENY, DENY_SUBMIT, DISMISS_ALERT, DISMISS_ALERT_SUBMIT, EXTEND, EXTEND_SUBMIT, REFRESH, REVIEW_ACCEPT_ALL, REVIEW_KEEP, REVIEW_REMOVE } from '../../../cards/actions.js';
import { describeForbiddenCharacter } from '../../../src/commands/index.js';
import type { Actor } from '../../../src/core/index.js';
import { forbiddenCharactersIn } from '../../../src/http-input.js';
import { readExecuteAction, readSubmitAction, type CardAction } from '../activity.js';
import { renderFor, resolveSender, type TeamsDeps } from '../context.js';
import { badRequest, invokeBody, invokeResponse, messageOutcome, outcomeMessage, type ActionOutcome, type AdaptiveCardInvokeBody } from '../outcome.js';
import { alertItems, alertReview, openDismissAlertForm, submitDismissAlertForm } from './alert-actions.js';
import { keepAnswer } from './message.js';
import { replyMessage } from '../render.js';
import { approve, openDenyForm, refresh, submitDenyForm } from './approval-actions.js';
import { reviewAcceptAll, reviewKeep, reviewRemove } from './review-actions.js';
import { cancel, deactivate, extend, openActivationForm, submitActivationForm, submitExtensionForm } from './role-actions.js';

export type VerbHandler = (deps: TeamsDeps, actor: Actor, data: unknown) => Promise<ActionOutcome>;

/** Every verb a pimbot card can send (constants from cards/actions.ts). */
export const VERBS: Readonly<Record<string, VerbHandler>> = {
  [APPROVE]: approve,
  [DENY]: openDenyForm,
  [DENY_SUBMIT]: submitDenyForm,
  [REFRESH]: refresh,
  [ACTIVATE_OPEN]: openActivationForm,
  [ACTIVATE_SUBMIT]: submitActivationForm,
  [DEACTIVATE]: deactivate,
  [EXTEND]: extend,
  [EXTEND_SUBMIT]: submitExtensionForm,
  [CANCEL]: cancel,
  [REVIEW_KEEP]: reviewKeep,
  [REVIEW_REMOVE]: reviewRemove,
  [REVIEW_ACCEPT_ALL]: reviewAcceptAll,
  [DISMISS_ALERT]: openDismissAlertForm,
  [DISMISS_ALERT_SUBMIT]: submitDismissAlertForm,
  [ALERT_ITEMS]: alertItems,
  [ALERT_REVIEW]: alertReview,
};

const SORRY = 'pimbot could not do that just now. Try again in a minute; if it keeps failing, tell a PIM admin.';

/** Runs one card action for whoever sent `activity`. */
export async function runCardAction(deps: TeamsDeps, activity: Partial<Activity>, action: CardAction): Promise<ActionOutcome> {
  // What a form's fields or a button's data carry goes no further than this (never to the database).
  const forbidden = forbiddenCharactersIn(action)[0];
  if (forbidden) return messageOutcome(describeForbiddenCharacter(forbidden.found, 'What you entered'));
  const handler = Object.hasOwn(VERBS, action.verb) ? VERBS[action.verb] : undefined;
  if (!handler) return { kind: 'error', status: 400, code: 'NotSupported', message: `pimbot has no card action called "${action.verb.slice(0, 60)}".` };
  const sender = resolveSender(deps, activity);
  if (!sender.ok) return messageOutcome(sender.message);
  return handler(deps, sender.actor, action.data);
}

/** `adaptiveCard/action`: always answers with an invoke response, never a 500 or 501. */
export async function handleCardAction(deps: TeamsDeps, ctx: TurnContext): Promise<void> {
  let body: AdaptiveCardInvokeBody;
  let outcome: ActionOutcome | undefined;
  try {
    const action = readExecuteAction(ctx.activity.value);
    outcome = action ? await runCardAction(deps, ctx.activity, action) : badRequest('This card action is not an Action.Execute with a verb.');
    body = invokeBody(outcome);
  } catch (err) {
    deps.logger.error({ err, verb: readExecuteAction(ctx.activity.value)?.verb }, 'Teams card action failed');
    body = invokeBody(messageOutcome(SORRY));
  }
  await ctx.sendActivity(invokeResponse(body));
  // The answer replaced the form in its activity: that activity is now the message about the request.
  if (outcome?.kind === 'card' && outcome.reply) await keepAnswer(deps, ctx, outcome.reply, ctx.activity.replyToId);
  if (outcome?.kind === 'post') await ctx.sendActivity(replyMessage(outcome.reply, renderFor(deps)));
}

/** Action.Submit fallback: the same verbs, answered with a message in the conversation. */
export async function handleSubmittedCard(deps: TeamsDeps, ctx: TurnContext): Promise<void> {
  const action = readSubmitAction(ctx.activity.value);
  const outcome = action ? await runCardAction(deps, ctx.activity, action) : badRequest('I could not read that card action. Type `help` to see what I can do.');
  const sent = await ctx.sendActivity(outcomeMessage(outcome, renderFor(deps)));
  if (outcome.kind === 'card' && outcome.reply) await keepAnswer(deps, ctx, outcome.reply, sent?.id);
}
