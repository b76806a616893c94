/** Button listeners, one per action id in cards/actions.ts. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTIVATE_OPEN, ALERT_ITEMS, ALERT_REVIEW, APPROVE, CANCEL, DEACTIVATE, DENY, DISMISS_ALERT, EXTEND, REVIEW_ACCEPT_ALL, REVIEW_KEEP, REVIEW_REMOVE, type ButtonAction as PimButton } from '../../../../cards/actions.js';
import { responder } from '../../answer.js';
import type { SlackDeps } from '../../deps.js';
import { activateOpenPressed } from './activate-open.js';
import { alertItemsPressed, alertReviewPressed } from './alert.js';
import { approvePressed } from './approve.js';
import { cancelPressed } from './cancel.js';
import { deactivatePressed } from './deactivate.js';
import { denyPressed } from './deny.js';
import { dismissAlertPressed } from './dismiss-alert.js';
import { extendPressed } from './extend.js';
import type { ButtonArgs } from './press.js';
import { reviewAcceptAllPressed, reviewKeepPressed, reviewRemovePressed } from './review.js';

const HANDLERS: Record<PimButton, (args: ButtonArgs, deps: SlackDeps) => Promise<void>> = {
  [APPROVE]: approvePressed,
  [DENY]: denyPressed,
  [ACTIVATE_OPEN]: activateOpenPressed,
  [DEACTIVATE]: deactivatePressed,
  [EXTEND]: extendPressed,
  [CANCEL]: cancelPressed,
  [REVIEW_KEEP]: reviewKeepPressed,
  [REVIEW_REMOVE]: reviewRemovePressed,
  [REVIEW_ACCEPT_ALL]: reviewAcceptAllPressed,
  [DISMISS_ALERT]: dismissAlertPressed,
  [ALERT_ITEMS]: alertItemsPressed,
  [ALERT_REVIEW]: alertReviewPressed,
};

export function register(app: App, deps: SlackDeps): void {
  for (const [actionId, handler] of Object.entries(HANDLERS)) {
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: actionId }, ({ action, body, ack, client }) =>
      handler({ action, body, ack, respond: body.response_url ? responder(body.response_url) : undefined, client }, deps),
    );
  }
}
