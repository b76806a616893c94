/**
 * Errors, translated once: what a person reads when something is refused or fails, and what a
 * Web API failure means for delivery (retry, retry after, or give up).
 */
import { webApi } from '@slack/bolt';
import type { Reply } from '../../cards/model.js';
import { DeliveryError, isPimError } from '../../src/core/index.js';

/** A Web API failure, classified. */
export type WebApiFailure =
  | { kind: 'rate_limited'; retryAfterSec: number }
  | { kind: 'platform'; error: string }
  | { kind: 'http'; status: number }
  | { kind: 'network'; message: string }
  | { kind: 'other'; message: string };

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function classifyWebApiError(e: unknown): WebApiFailure {
  const o = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  switch (o.code) {
    case webApi.ErrorCode.RateLimitedError:
      return { kind: 'rate_limited', retryAfterSec: typeof o.retryAfter === 'number' && Number.isFinite(o.retryAfter) ? o.retryAfter : 1 };
    case webApi.ErrorCode.PlatformError:
      return { kind: 'platform', error: typeof o.data?.error === 'string' ? o.data.error : 'unknown_error' };
    case webApi.ErrorCode.HTTPError:
      return { kind: 'http', status: typeof o.statusCode === 'number' ? o.statusCode : 0 };
    case webApi.ErrorCode.RequestError:
      return { kind: 'network', message: messageOf(e) };
    default:
      return { kind: 'other', message: messageOf(e) };
  }
}

/**
 * Slack errors that the same call will get again however often it is retried: the address is
 * wrong or gone, the token is dead, or the payload is refused.
 */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'restricted_action',
  'ekm_access_denied',
  'team_access_not_granted',
  'user_not_found',
  'users_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'messages_tab_disabled',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_metadata_format',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);

/**
 * A Web API failure as the outbox dispatcher understands it: 429 -> retry after `Retry-After`;
 * a permanent Slack error -> give up now; anything else (network, 5xx, Slack's internal errors)
 * -> retry with backoff.
 */
export function toDeliveryError(e: unknown, what: string): DeliveryError {
  if (e instanceof DeliveryError) return e;
  const f = classifyWebApiError(e);
  switch (f.kind) {
    case 'rate_limited':
      return DeliveryError.rateLimited(`Slack rate-limited ${what}; retry after ${f.retryAfterSec}s`, Math.max(0, f.retryAfterSec) * 1000);
    case 'platform':
      return new DeliveryError(`Slack refused ${what}: ${f.error}`, undefined, PERMANENT_SLACK_ERRORS.has(f.error));
    case 'http':
      return new DeliveryError(`Slack answered ${what} with HTTP ${f.status}`, undefined, f.status >= 400 && f.status < 500 && f.status !== 408);
    case 'network':
      return new DeliveryError(`could not reach Slack for ${what}: ${f.message}`);
    case 'other':
      return new DeliveryError(`${what} failed: ${f.message}`);
  }
}

/**
 * views.open refusals that mean this trigger can open no form (too old, not one Slack knows, or
 * used already), not that anything is broken: the person runs the command again.
 */
const SPENT_TRIGGER_ERRORS: ReadonlySet<string> = new Set(['expired_trigger_id', 'invalid_trigger_id', 'exchanged_trigger_id']);

/** The sentence a person reads for a failure: the core's refusal as is, anything else in general terms. */
export function sayError(e: unknown): string {
  if (isPimError(e)) return e.message;
  const f = classifyWebApiError(e);
  if (f.kind === 'rate_limited') return `Slack is rate-limiting pimbot right now. Try again in ${Math.max(1, f.retryAfterSec)} seconds.`;
  if (f.kind === 'platform' && SPENT_TRIGGER_ERRORS.has(f.error)) return 'Slack did not open the form; run the command again, or give what it needs in the command itself.';
  return 'pimbot could not finish that because of an internal error. Check `/pim status` before you try again, and tell a PIM admin if it keeps happening.';
}

/** A failure as an error reply. */
export function errorReply(e: unknown, usage?: string): Reply {
  return { kind: 'error', message: sayError(e), ...(usage ? { usage } : {}) };
}
