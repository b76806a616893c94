/** Usage lines and the short help listing, as plain text every platform can show. */
import { COMMAND_NAMES, type CommandName } from './schema.js';

/** The usage line of each command, as a person types it (without the `/pim` or `pim` prefix). */
export const USAGE: Readonly<Record<CommandName, string>> = {
  help: 'help [<command>]',
  roles: 'roles',
  status: 'status',
  activate:
    'activate <role> [<duration>] [--scope <scope>] [--reason "<text>"] [--ticket <id>] [--at <time>] [--code <mfa-code>]',
  deactivate: 'deactivate <role> [--scope <scope>]',
  extend: 'extend <role> <duration> [--scope <scope>] [--reason "<text>"] [--ticket <id>] [--code <mfa-code>]',
  requests: 'requests',
  cancel: 'cancel <request-id>',
  approvals: 'approvals',
  approve: 'approve <request-id> [--reason "<text>"] [--code <mfa-code>]',
  deny: 'deny <request-id> --reason "<text>"',
  reviews: 'reviews',
  assign:
    'assign <user> <role> [--scope <scope>] [--eligible|--active] [--for <duration>|--until <date>] --reason "<text>"',
  remove: 'remove <user> <role> [--scope <scope>] --reason "<text>"',
  'review-start': 'review start <role> [--scope <scope>] --reviewers self|approvers|<user>... [--duration <days>d] [--name "<text>"] [--require-reason]',
  'review-stop': 'review stop <review-id>',
  'review-apply': 'review apply <review-id>',
  'review-results': 'review results <review-id> [--csv]',
  'review-decide': 'review keep|remove <review-id> [<user>] [--role <role>] [--scope <scope>] [--reason "<text>"]',
  alerts: 'alerts',
  'alert-show': 'alert <alert-id>',
  'alert-dismiss': 'alert dismiss <alert-id> --reason "<text>"',
  audit: 'audit [--user <user>] [--role <role>] [--since <duration>] [--csv]',
  'audit-verify': 'audit verify',
  mfa: 'mfa enroll',
};

const SUMMARY: Readonly<Record<CommandName, string>> = {
  help: 'this list, or how to use one command',
  roles: 'the roles you can activate',
  status: 'your active roles and when they end',
  activate: 'activate an eligible role (durations: 30m, 1h, 1h30m, 2d; --at 09:30, +2h or an ISO time)',
  deactivate: 'end an activation early',
  extend: 'more time on an active role, within its maximum counted from when it started',
  requests: 'your open requests',
  cancel: 'cancel one of your requests',
  approvals: 'requests waiting for your approval',
  approve: 'approve a request',
  deny: 'deny a request, saying why',
  reviews: 'access reviews waiting for you',
  assign: 'make a user eligible for (or active in) a role; the user is told, with the reason',
  remove: 'remove a user’s assignment; the user is told, with the reason',
  'review-start': 'start an access review of a role',
  'review-stop': 'end an access review now (decisions become final)',
  'review-apply': 'apply an ended access review: remove what reviewers removed',
  'review-results': 'every item and decision of an access review',
  'review-decide': 'keep or remove an item of an access review you review, with a reason',
  alerts: 'the open security alerts',
  'alert-show': 'a security alert and the assignments it is about',
  'alert-dismiss': 'dismiss a security alert, saying why',
  audit: 'the audit trail',
  'audit-verify': 'check that no audit event was altered or removed',
  mfa: 'set up your authenticator app for MFA (shown to you once, to scan)',
};

const ADMIN: readonly CommandName[] = ['assign', 'remove', 'review-start', 'review-stop', 'review-apply', 'review-results', 'alerts', 'alert-show', 'alert-dismiss', 'audit', 'audit-verify'];
/** What an auditor may use of the admin commands: reading, never changing. */
const AUDITOR: readonly CommandName[] = ['audit', 'audit-verify', 'alerts', 'alert-show', 'review-results'];
const EVERYONE: readonly CommandName[] = COMMAND_NAMES.filter((name) => !ADMIN.includes(name));

/** One entry of the help listing: how to type a command and what it does. */
export interface HelpEntry {
  usage: string;
  text: string;
}

/** The commands a person may use: everyone's, then the admin commands for admins or the auditor commands for auditors. */
function helpCommands(isAdmin: boolean, isAuditor: boolean): { everyone: readonly CommandName[]; extra: { title: string; names: readonly CommandName[] } | null } {
  const extra = isAdmin ? { title: 'Admin commands:', names: ADMIN } : isAuditor ? { title: 'Auditor commands:', names: AUDITOR } : null;
  return { everyone: EVERYONE, extra };
}

/** The help listing as entries: the one list every renderer shows (cards/ takes it as the help reply's lines). */
export function helpEntries(isAdmin: boolean, isAuditor = false): HelpEntry[] {
  const { everyone, extra } = helpCommands(isAdmin, isAuditor);
  return [...everyone, ...(extra?.names ?? [])].map((c) => ({ usage: USAGE[c], text: SUMMARY[c] }));
}

/** The short help listing as plain text; admin commands only for admins, the audit commands for auditors. */
export function helpText(isAdmin: boolean, isAuditor = false): string {
  const line = (c: CommandName): string => `• ${USAGE[c]} — ${SUMMARY[c]}`;
  const { everyone, extra } = helpCommands(isAdmin, isAuditor);
  const lines = ['Commands:', ...everyone.map(line)];
  if (extra) lines.push(extra.title, ...extra.names.map(line));
  lines.push('Put a role name or reason with spaces in quotes, e.g. activate "Global Reader" 1h --reason "INC-42 triage".');
  return lines.join('\n');
}

/** Help for one command: its usage line and what it does. */
export function commandHelp(name: CommandName): string {
  return `${USAGE[name]} — ${SUMMARY[name]}`;
}
