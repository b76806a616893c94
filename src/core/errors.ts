/**
 * Every refusal the core makes is a PimError with a code. Adapters translate codes into the
 * sentence a person reads (see `describeError`), once, in one place.
 */
export const ERROR_CODES = [
  'unknown_user',
  'ambiguous_user',
  'no_such_user',
  'ambiguous_user_ref',
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
  'mfa_locked',
  'mfa_unreadable',
  'mfa_already_enrolled',
  'start_in_past',
  'start_too_far',
  'self_approval',
  'not_approver',
  'not_found',
  'already_decided',
  'not_requester',
  'not_admin',
  'auditor_read_only',
  'not_auditor',
  'extension_too_long',
  'expiry_required',
  'expiry_too_long',
  'already_assigned',
  'not_assigned',
  'renew_too_early',
  'unknown_alert',
  'alert_closed',
  'audit_unverifiable',
  'unknown_review',
  'review_closed',
  'review_not_ended',
  'not_reviewer',
  'no_review_items',
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

/** An ISO instant as `2030-01-07 09:15 UTC` (errors have no time zone of their own). */
const when = (v: unknown): string => {
  const d = new Date(str(v));
  return Number.isNaN(d.getTime()) ? str(v, 'later') : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

const lockedNow = (d: Record<string, unknown>): string =>
  `That was too many wrong codes: your MFA is locked until ${when(d.lockedUntil)}, and no code is accepted before then. If you did not type them, tell your security team.`;

/** The sentence a person reads for an error: what went wrong and what to do next. */
export function describeError(code: ErrorCode, d: Record<string, unknown> = {}): string {
  switch (code) {
    case 'unknown_user':
      return 'You are not in the PIM directory yet. Ask a PIM admin to add your account to pim.config.yaml.';
    case 'no_such_user':
      return `No one called \`${str(d.user)}\` — use an id or e-mail such as ${str(d.example, 'alice@example.com')}.`;
    case 'ambiguous_user_ref':
      return `More than one person matches \`${str(d.user)}\` (${str(d.matches)}) — use an id or e-mail.`;
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
      return `${str(d.role)} is already active for you ${d.until ? `until ${when(d.until)}` : 'until it is removed'}. Use \`extend\` to add time.`;
    case 'not_active':
      return `${str(d.role)} is not active for you. Type \`status\` to see what is.`;
    case 'duration_too_short':
      return `The shortest activation is ${str(d.min)}. Ask for at least that.`;
    case 'duration_too_long':
      return `${str(d.role)} can be active for at most ${str(d.max)}. Ask for ${str(d.max)} or less.`;
    case 'reason_required':
      if (d.command) return `${str(d.command)} needs a reason: add --reason "why", e.g. --reason "joined the on-call rota". ${str(d.user, 'The user')} is told it, and it is kept in the audit trail.`;
      return `${str(d.role)} needs a reason. Add --reason "what you are doing".`;
    case 'reason_too_long':
      return `The reason is ${str(d.length)} characters long; the limit is ${str(d.max)}. Shorten it.`;
    case 'ticket_required':
      return `${str(d.role)} needs a ticket number. Add --ticket <id>.`;
    case 'ticket_invalid':
      return `Ticket "${str(d.ticket)}" does not look like a ticket for ${str(d.role)} (expected ${str(d.pattern)}).`;
    case 'mfa_required':
      if (d.approving) return `Approving requests for ${str(d.role)} needs a one-time code from your authenticator app. Add --code <6 digits>.`;
      return `${str(d.role)} needs a one-time code from your authenticator app. Add --code <6 digits>.`;
    case 'mfa_not_enrolled':
      return `${str(d.role)} needs MFA and you have not enrolled an authenticator yet. Ask a PIM admin to enrol you (\`pim mfa enroll\`).`;
    case 'mfa_invalid':
      return `That one-time code is not valid. ${d.lockedUntil ? lockedNow(d) : 'Check the time on your device and try the current code.'}`;
    case 'mfa_reused':
      return `That one-time code was already used. ${d.lockedUntil ? lockedNow(d) : 'Wait for the next code and try again.'}`;
    case 'mfa_locked':
      return `Your MFA is locked until ${when(d.until)} after too many wrong codes: no code is accepted before then, not even the right one. If you did not type them, tell your security team.`;
    case 'mfa_unreadable':
      return 'Your authenticator secret cannot be read by this pimbot (it was encrypted with a key it does not have, or altered). Ask a PIM admin to enrol you again (`pim mfa enroll`).';
    case 'mfa_already_enrolled':
      return 'You already have an authenticator enrolled. To replace it, ask a PIM admin (`pim mfa enroll <you>`).';
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
    case 'auditor_read_only':
      return 'As an auditor you can read the audit trail (`audit`, `audit --csv`) and alerts, but not change access. Ask a PIM admin to do that.';
    case 'not_auditor':
      return 'Only PIM admins and auditors can read the audit trail and alerts. Ask a PIM admin if you need an extract.';
    case 'extension_too_long':
      return Number(d.moreMs) > 0
        ? `${str(d.role)} can be active for at most ${str(d.max)} in all, counted from when this activation started: it can get at most ${str(d.more)} more. Ask for ${str(d.more)} or less, or activate again when it ends.`
        : `${str(d.role)} can be active for at most ${str(d.max)} in all, and this activation already runs its full ${str(d.max)}: activate again when it ends.`;
    case 'expiry_required':
      return `${str(d.role)} cannot be assigned permanently as ${str(d.type)}. Add --for <duration> or --until <date> (at most ${str(d.max)}).`;
    case 'expiry_too_long':
      return `An ${str(d.type)} assignment of ${str(d.role)} can last at most ${str(d.max)}.`;
    case 'already_assigned':
      return `${str(d.user)} already has ${str(d.role)} at ${str(d.scope)} as ${str(d.type)}.`;
    case 'not_assigned':
      return `${str(d.user)} has no assignment of ${str(d.role)}${d.scope ? ` at ${str(d.scope)}` : ''}.`;
    case 'renew_too_early':
      return `Your ${str(d.role)} assignment ends ${d.until ? `on ${when(d.until)}` : 'later'}; it can be renewed within 14 days of its end.`;
    case 'unknown_alert':
      return `There is no alert ${str(d.id)}. Type \`alerts\` to see the open ones.`;
    case 'alert_closed':
      return `Alert ${str(d.id)} is already ${str(d.state)}${d.by ? ` (by ${str(d.by)})` : ''}. Nothing was changed.`;
    case 'audit_unverifiable':
      return 'This pimbot’s store cannot walk the audit chain, so it cannot be verified from chat. Run `npm run pim -- audit verify` where the database is.';
    case 'unknown_review':
      return `There is no access review ${str(d.id)}. Type \`reviews\` to see the ones waiting for you.`;
    case 'review_closed':
      return `Access review ${str(d.id)} has ended${d.state === 'applied' ? ' and been applied' : ''}; decisions can no longer be made or changed.`;
    case 'review_not_ended':
      return `Access review ${str(d.id)} is still open${d.until ? ` until ${when(d.until)}` : ''}. Stop it first with \`review stop ${str(d.id)}\`.`;
    case 'not_reviewer':
      return `You are not a reviewer of this item of access review ${str(d.id)}. Nothing was changed.`;
    case 'no_review_items':
      return `No assignment of ${str(d.role)}${d.scope ? ` at ${str(d.scope)}` : ''} is in scope of a review; none was started.`;
    case 'invalid_input':
      return str(d.message, 'That input is not valid.');
  }
}
