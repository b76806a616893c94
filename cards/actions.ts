/**
 * Action ids (Slack `action_id`), verbs (Teams `Action.Execute`), view callback ids and form field
 * ids, shared by the renderers in `cards/` and the handlers in `adapters/`. Never retype these
 * strings elsewhere.
 *
 * A button carries only a small JSON hint (`{ requestId }` or `{ role, scope }`). Handlers treat it
 * as a hint: they resolve the presser to a principal and re-read the request or assignment on the
 * server before acting.
 */

/** Approve a pending request (approval card). Hint: `{ requestId }`. */
export const APPROVE = 'pim_approve';
/** Deny a pending request: opens the deny-reason form (approval card). Hint: `{ requestId }`. */
export const DENY = 'pim_deny';
/** Open the activation form for a role (App Home, roles list). Hint: `{ role, scope }`. */
export const ACTIVATE_OPEN = 'pim_activate_open';
/** Deactivate an active role early. Hint: `{ role, scope }`. */
export const DEACTIVATE = 'pim_deactivate';
/** Extend an activation (opens the extension form when its policy asks for more), or say how to renew an eligibility. Hint: `{ role, scope }`. */
export const EXTEND = 'pim_extend';
/** Cancel one's own pending or scheduled request. Hint: `{ requestId }`. */
export const CANCEL = 'pim_cancel';
/** Keep one item of an access review (a reviewer's review card). Hint: `{ itemId }`. */
export const REVIEW_KEEP = 'pim_review_keep';
/** Remove one item of an access review (a reviewer's review card). Hint: `{ itemId }`. */
export const REVIEW_REMOVE = 'pim_review_remove';
/** Accept every recommendation on one's unanswered items of a review (a reviewer's review card). Hint: `{ reviewId }`. */
export const REVIEW_ACCEPT_ALL = 'pim_review_accept_all';
/**
 * The reason field under an item of a review that requires reasons (Slack `block_id` and
 * `action_id`, Teams `Input.Text` id): the Keep or Remove press carries what it holds.
 */
export const reviewReasonField = (itemId: string): string => `pim_review_reason:${itemId}`;
/** Dismiss a security alert: opens the dismissal-reason form (alert card; admins). Hint: `{ alertId }`. */
export const DISMISS_ALERT = 'pim_alert_dismiss';
/** Show what a security alert is about: its role's assignments now (alert card; admins and auditors). Hint: `{ alertId }`. */
export const ALERT_ITEMS = 'pim_alert_items';
/** Start a one-time access review of an alert's role (alert card; admins). Hint: `{ alertId }`. */
export const ALERT_REVIEW = 'pim_alert_review';
/** Submit of the dismissal-reason form (Teams verb; Slack uses the view callback `DISMISS_ALERT_VIEW`). */
export const DISMISS_ALERT_SUBMIT = 'pim_alert_dismiss_submit';
/** Submit of the activation form (Teams verb; Slack uses the view callback `ACTIVATE_VIEW`). */
export const ACTIVATE_SUBMIT = 'pim_activate_submit';
/** Submit of the extension form (Teams verb; Slack uses the view callback `EXTEND_VIEW`). */
export const EXTEND_SUBMIT = 'pim_extend_submit';
/** Submit of the deny-reason form (Teams verb; Slack uses the view callback `DENY_VIEW`). */
export const DENY_SUBMIT = 'pim_deny_submit';
/** Teams `refresh` verb: an approver's client asks for the approval card as it is now. Hint: `{ requestId }`. */
export const REFRESH = 'pim_refresh';

/** Slack modal callback id of the activation form. */
export const ACTIVATE_VIEW = 'pim_activate_view';
/** Slack modal callback id of the extension form. */
export const EXTEND_VIEW = 'pim_extend_view';
/** Slack modal callback id of the deny-reason form. */
export const DENY_VIEW = 'pim_deny_view';
/** Slack modal callback id of the dismissal-reason form. */
export const DISMISS_ALERT_VIEW = 'pim_alert_dismiss_view';
/** Slack modal callback id of the approve form that asks the approver's MFA code (`approval.requireMfa`). */
export const APPROVE_VIEW = 'pim_approve_view';
/** Id of the approver's MFA code input: the Slack approve modal's block/action id, the Teams approval card's input. */
export const APPROVE_CODE = 'pim_approve_code';

/**
 * Ids of the activation form's inputs: Slack `block_id` and `action_id` (both the same), Teams
 * `Input.*` ids. A Teams submit's `data` holds these keys next to the button's hint.
 */
export const FIELD = {
  duration: 'pim_duration',
  reason: 'pim_reason',
  ticket: 'pim_ticket',
  code: 'pim_code',
  scope: 'pim_scope',
} as const;
export type FormField = keyof typeof FIELD;

/** Id of the deny form's reason input (Slack block_id/action_id, Teams input id). */
export const DENY_REASON = 'pim_deny_reason';

/** Id of the dismissal form's reason input (Slack block_id/action_id, Teams input id). */
export const DISMISS_REASON = 'pim_dismiss_reason';

/** The most a reason may hold in a form (Slack `max_length`, Teams `maxLength`). */
export const REASON_MAX = 500;

/** Every button action id / verb, for handlers that register them in one loop. */
export const BUTTON_ACTIONS = [APPROVE, DENY, ACTIVATE_OPEN, DEACTIVATE, EXTEND, CANCEL, REVIEW_KEEP, REVIEW_REMOVE, REVIEW_ACCEPT_ALL, DISMISS_ALERT, ALERT_ITEMS, ALERT_REVIEW] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

export interface RequestHint {
  requestId: string;
}
export interface RoleHint {
  role: string;
  scope: string | null;
}
/** One item of an access review. */
export interface ReviewItemHint {
  itemId: string;
}
/** A whole review. */
export interface ReviewHint {
  reviewId: string;
}
export interface AlertHint {
  alertId: string;
}
export type ActionHint = RequestHint | RoleHint | ReviewItemHint | ReviewHint | AlertHint;

/** Slack caps a button `value` at 2000 characters. */
const VALUE_MAX = 2000;

/**
 * The JSON a button carries. A role hint too long for a button (role and scope paths come from
 * config, so this is pathological) drops its scope: the handler then asks which scope.
 */
export function hintValue(hint: ActionHint): string {
  const json = JSON.stringify(hint);
  if (json.length <= VALUE_MAX) return json;
  if ('role' in hint) {
    const roleOnly = JSON.stringify({ role: hint.role, scope: null });
    if (roleOnly.length <= VALUE_MAX) return roleOnly;
  }
  return '{}';
}

/** Reads a button hint back (Slack `value` string or Teams `data` object); null when it is not one. */
export function parseHint(value: unknown): ActionHint | null {
  let v: unknown = value;
  if (typeof value === 'string') {
    try {
      v = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.requestId === 'string' && o.requestId.length > 0) return { requestId: o.requestId };
  if (typeof o.itemId === 'string' && o.itemId.length > 0) return { itemId: o.itemId };
  if (typeof o.reviewId === 'string' && o.reviewId.length > 0) return { reviewId: o.reviewId };
  if (typeof o.alertId === 'string' && o.alertId.length > 0) return { alertId: o.alertId };
  if (typeof o.role === 'string' && o.role.length > 0) {
    return { role: o.role, scope: typeof o.scope === 'string' && o.scope.length > 0 ? o.scope : null };
  }
  return null;
}
