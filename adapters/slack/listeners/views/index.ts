/** Modal submission listeners, by the callback ids in cards/actions.ts. */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { ACTIVATE_VIEW, APPROVE_VIEW, DENY_VIEW, DISMISS_ALERT_VIEW, EXTEND_VIEW } from '../../../../cards/actions.js';
import type { SlackDeps } from '../../deps.js';
import { activationSubmitted } from './activate.js';
import { approveSubmitted } from './approve.js';
import { denySubmitted } from './deny.js';
import { dismissAlertSubmitted } from './dismiss-alert.js';
import { extensionSubmitted } from './extend.js';

export function register(app: App, deps: SlackDeps): void {
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: ACTIVATE_VIEW }, ({ view, body, ack, client }) => activationSubmitted({ view, body, ack, client }, deps));
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: EXTEND_VIEW }, ({ view, body, ack, client }) => extensionSubmitted({ view, body, ack, client }, deps));
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: DENY_VIEW }, ({ view, body, ack, client }) => denySubmitted({ view, body, ack, client }, deps));
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: DISMISS_ALERT_VIEW }, ({ view, body, ack, client }) => dismissAlertSubmitted({ view, body, ack, client }, deps));
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: APPROVE_VIEW }, ({ view, body, ack, client }) => approveSubmitted({ view, body, ack, client }, deps));
}
