/**
 * Every refusal the core makes is a PimError with a code. Adapters translate codes into the
 * sentence a person reads (see `describeError`), once, in one place.
 */
export const ERROR_CODES = [
  'unknown_user',
  'ambiguous_user',
  'identity_bound_elsewhere',
  'email_unverified',
  'wrong_workspace',
  'unknown_role',
  'unknown_scope',
  'scope_required',
  'not_eligible',
  'already_active',
  'not_active',
  'duration_too_short',
  'duration_too_long',
  'reason_required',
  'reason_too_long',
  'ticket_required',
  'ticket_invalid',
  'mfa_required',
  'mfa_not_enrolled',
  'mfa_invalid',
  'mfa_reused',
  'start_in_past',
  'start_too_far',
  'self_approval',
  'not_approver',
  'not_found',
  'already_decided',
  'not_requester',
  'not_admin',
  'expiry_required',
  'expiry_too_long',
  'already_assigned',
  'not_assigned',
  'renew_too_early',
  'invalid_input',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class PimError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, details: Record<string, unknown> = {}) {
    super(describeError(code, details));
    this.name = 'PimError';
    this.code = code;
    this.details = details;
  }
}

export function isPimError(e: unknown): e is PimError {
  return e instanceof PimError;
}

const str = (v: unknown, fallback = ''): string => (v === undefined || v === null ? fallback : String(v));

/** The sentence a person reads for an error: what went wrong and what to do next. */
export function describeError(code: ErrorCode, d: Record<string, unknown> = {}): string {
  switch (code) {
    case 'unknown_user':
      return 'You are not in the PIM directory yet. Ask a PIM admin to add your account to pim.config.yaml.';
    case 'ambiguous_user':
      return 'Your chat account matches more than one person in the PIM directory. Ask a PIM admin to fix the directory entry.';
    case 'identity_bound_elsewhere':
      return `The e-mail address on your ${str(d.platform, 'chat')} profile belongs to a PIM user who is bound to a different ${str(d.platform, 'chat')} account, so pimbot will not treat you as them. If this is your account, ask a PIM admin to bind it in pim.config.yaml.`;
    case 'email_unverified':
      return 'The e-mail address on your Slack profile is not confirmed, so pimbot cannot use it to find you in the PIM directory. Confirm it in Slack, or ask a PIM admin to add your Slack user id to pim.config.yaml.';
    case 'wrong_workspace':
      return `This pimbot serves ${str(d.expected, 'another workspace')}, not ${str(d.actual, 'this one')}. Use pimbot from that workspace, or ask a PIM admin to add this one to pim.config.yaml.`;
    case 'unknown_role':
      return `There is no role called "${str(d.role)}". Type \`roles\` to see the roles you can activate.`;
    case 'unknown_scope':
      return `Role ${str(d.role)} has no scope "${str(d.scope)}". Its scopes are: ${str(d.scopes)}.`;
    case 'scope_required':
      return `You are eligible for ${str(d.role)} at several scopes (${str(d.scopes)}). Say which with --scope.`;
    case 'not_eligible':
      return `You are not eligible for ${str(d.role)}${d.scope ? ` at ${str(d.scope)}` : ''}. Ask a PIM admin for an eligible assignment.`;
    case 'already_active':
      return `${str(d.role)} is already active for you until ${str(d.until, 'it is removed')}. Use \`extend\` to add time.`;
    case 'not_active':
      return `${str(d.role)} is not active for you. Type \`status\` to see what is.`;
    case 'duration_too_short':
      return `The shortest activation is ${str(d.min)}. Ask for at least that.`;
    case 'duration_too_long':
      return `${str(d.role)} can be active for at most ${str(d.max)}. Ask for ${str(d.max)} or less.`;
    case 'reason_required':
      return `${str(d.role)} needs a reason. Add --reason "what you are doing".`;
    case 'reason_too_long':
      return `The reason is ${str(d.length)} characters long; the limit is ${str(d.max)}. Shorten it.`;
    case 'ticket_required':
      return `${str(d.role)} needs a ticket number. Add --ticket <id>.`;
    case 'ticket_invalid':
      return `Ticket "${str(d.ticket)}" does not look like a ticket for ${str(d.role)} (expected ${str(d.pattern)}).`;
    case 'mfa_required':
      return `${str(d.role)} needs a one-time code from your authenticator app. Add --code <6 digits>.`;
    case 'mfa_not_enrolled':
      return `${str(d.role)} needs MFA and you have not enrolled an authenticator yet. Ask a PIM admin to enrol you (\`pim mfa enroll\`).`;
    case 'mfa_invalid':
      return 'That one-time code is not valid. Check the time on your device and try the current code.';
    case 'mfa_reused':
      return 'That one-time code was already used. Wait for the next code and try again.';
    case 'start_in_past':
      return 'The start time is in the past. Leave out --at to start now, or give a future time.';
    case 'start_too_far':
      return `A scheduled start can be at most ${str(d.max)} ahead.`;
    case 'self_approval':
      return 'You cannot approve or deny your own request. Another approver has to decide it.';
    case 'not_approver':
      return `You are not an approver for ${str(d.role)}. Nothing was changed.`;
    case 'not_found':
      return `There is no request ${str(d.id)}. Type \`requests\` or \`approvals\` to see open ones.`;
    case 'already_decided':
      return `Request ${str(d.id)} is already ${str(d.state).replace('_', ' ')}${d.by ? ` (by ${str(d.by)})` : ''}. Nothing was changed.`;
    case 'not_requester':
      return `Only the person who made request ${str(d.id)} can cancel it.`;
    case 'not_admin':
      return 'Only PIM admins can do that. Ask one of them.';
    case 'expiry_required':
      return `${str(d.role)} cannot be assigned permanently as ${str(d.type)}. Add --for <duration> or --until <date> (at most ${str(d.max)}).`;
    case 'expiry_too_long':
      return `An ${str(d.type)} assignment of ${str(d.role)} can last at most ${str(d.max)}.`;
    case 'already_assigned':
      return `${str(d.user)} already has ${str(d.role)} at ${str(d.scope)} as ${str(d.type)}.`;
    case 'not_assigned':
      return `${str(d.user)} has no assignment of ${str(d.role)}${d.scope ? ` at ${str(d.scope)}` : ''}.`;
    case 'renew_too_early':
      return `Your ${str(d.role)} assignment ends ${str(d.until)}; it can be renewed within 14 days of its end.`;
    case 'invalid_input':
      return str(d.message, 'That input is not valid.');
  }
}
