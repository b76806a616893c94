/**
 * The CLI's commands, each a named function over a `CliSession`. Changes go through the same
 * `Pim` methods chat uses (policy checks, audit rows, queued notices); reads that have no core
 * method (the audit trail in full, its verification) read the database directly.
 */
import { and, asc, gt, gte } from 'drizzle-orm';
import { USAGE } from '../commands/index.js';
import { type Assignment, parseDuration, PimError } from '../core/index.js';
import { verifyAuditChain, type AuditVerification } from '../db/audit-verify.js';
import { auditEvents } from '../db/audit.sql.js';
import { toAuditEvent } from '../db/repos/audit.js';
import { parseArgs, takeOption, UsageError } from './args.js';
import { AUDIT_CSV_HEADER, auditCsvRow, csvRow, REVIEW_CSV_HEADER, reviewCsvRow } from './csv.js';
import { terminalQr } from './qr.js';
import type { CliSession } from './session.js';

export interface CliCommand {
  /** As typed, e.g. `audit verify`. */
  name: string;
  /** Arguments after the name, for the usage line. */
  args: string;
  summary: string;
  run(args: string[], s: CliSession): Promise<number>;
}

/** `pim <name> <args>`. */
export function usageOf(c: CliCommand): string {
  return `pim ${c.name}${c.args ? ` ${c.args}` : ''}`;
}

const AS = '[--as <admin>]';

/** The chat grammar's arguments of `verb`, from its usage line. */
const chatArgs = (verb: 'assign' | 'remove'): string => USAGE[verb].slice(verb.length + 1);

export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'migrate',
    args: '',
    summary: 'apply pending database migrations (safe to run while replicas start)',
    run: migrate,
  },
  {
    name: 'assign',
    args: `${chatArgs('assign')} ${AS}`,
    summary: 'make a user eligible for (or active in) a role, within its policy',
    run: assign,
  },
  {
    name: 'remove',
    args: `${chatArgs('remove')} ${AS}`,
    summary: "end a user's assignments of a role",
    run: remove,
  },
  {
    name: 'audit verify',
    args: '',
    summary: 'prove the audit trail is whole and unaltered; exit 1 naming the first bad event',
    run: auditVerify,
  },
  {
    name: 'audit export',
    args: '[--csv] [--since <duration>|<date>]',
    summary: 'the audit trail, oldest first: JSON lines with hashes, or CSV for spreadsheets',
    run: auditExport,
  },
  {
    name: 'review export',
    args: `<review-id> ${AS}`,
    summary: 'every item of an access review as CSV: person, role, recommendation, decision, reviewer, reason, time, what was applied',
    run: reviewExport,
  },
  {
    name: 'mfa enroll',
    args: `<user> ${AS}`,
    summary: "give a user a new authenticator secret; prints the otpauth:// URI and its QR code to show them",
    run: mfaEnroll,
  },
  {
    name: 'deadlines',
    args: '',
    summary: 'process once what is due now: expiries, approval timeouts, scheduled starts, warnings',
    run: deadlines,
  },
];

const command = (name: string): CliCommand => COMMANDS.find((c) => c.name === name) as CliCommand;

function noArguments(args: readonly string[], name: string): void {
  if (args.length > 0) throw new UsageError(`${name} takes no arguments, got ${JSON.stringify(args.join(' '))}`, usageOf(command(name)));
}

async function migrate(args: string[], s: CliSession): Promise<number> {
  noArguments(args, 'migrate');
  const database = await s.database();
  await database.migrate();
  s.out(`database migrated (${database.kind === 'postgres' ? 'PostgreSQL' : `PGlite in ${s.env.pgliteDir}`})`);
  return 0;
}

function describe(a: Assignment, name: string): string {
  const end = a.endsAt ? `until ${a.endsAt.toISOString()}` : 'permanent';
  return `${a.type} ${a.role} at ${a.scope} for ${name} (${a.principalId}), ${end}`;
}

async function assign(args: string[], s: CliSession): Promise<number> {
  const usage = usageOf(command('assign'));
  const { value: as, rest } = takeOption(args, 'as', usage);
  const c = s.chatCommand('assign', rest, usage);
  const { pim } = await s.core();
  const actor = await s.admin(as);
  const user = await s.principal(c.user);
  await s.bootstrap();
  const a = await pim.assign(actor, {
    user: user.id,
    role: c.role,
    scope: c.scope,
    type: c.type,
    durationMs: c.durationMs,
    until: c.until,
    reason: c.reason ?? null,
  });
  s.out(`assigned ${describe(a, user.name)} [assignment ${a.id}]`);
  return 0;
}

async function remove(args: string[], s: CliSession): Promise<number> {
  const usage = usageOf(command('remove'));
  const { value: as, rest } = takeOption(args, 'as', usage);
  const c = s.chatCommand('remove', rest, usage);
  const { pim } = await s.core();
  const actor = await s.admin(as);
  const user = await s.principal(c.user);
  await s.bootstrap();
  const ended = await pim.remove(actor, user.id, c.role, c.scope, c.reason ?? null);
  for (const a of ended) s.out(`removed ${a.type} ${a.role} at ${a.scope} from ${user.name} (${a.principalId}) [assignment ${a.id}]`);
  return 0;
}

const PROBLEMS: Record<Extract<AuditVerification, { ok: false }>['problem'], (seq: number) => string> = {
  altered: (seq) => `event ${seq} was altered: its content no longer matches its hash`,
  missing: (seq) => `event ${seq} is missing: it was deleted`,
  broken_link: (seq) => `event ${seq} does not link to event ${seq - 1}: an earlier event was rewritten with a new hash`,
  bad_checkpoint: (seq) => `the retention checkpoint (pruned through event ${seq}) is not the one an audit.pruned event recorded: events may have been deleted and the checkpoint forged`,
};

async function auditVerify(args: string[], s: CliSession): Promise<number> {
  noArguments(args, 'audit verify');
  const result = await verifyAuditChain((await s.database()).db);
  if (result.ok) {
    const pruned = result.prunedThrough !== undefined ? ` after event ${result.prunedThrough} (older events pruned by retention)` : '';
    s.out(`audit chain ok: ${result.count} event${result.count === 1 ? '' : 's'}${pruned}`);
    return 0;
  }
  s.note(`audit chain BROKEN at seq ${result.seq} (${result.problem}): ${PROBLEMS[result.problem](result.seq)}`);
  return 1;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/** `--since`: a duration back from now (`7d`), or a date (`2026-01-31`, UTC) or instant with its zone. */
export function readSince(text: string, now: Date, usage: string): Date {
  const ms = parseDuration(text);
  if (ms !== null) return new Date(now.getTime() - ms);
  const at = ISO_DATE.test(text.trim()) ? new Date(text.trim()) : null;
  if (at && Number.isFinite(at.getTime())) return at;
  throw new UsageError(`--since takes a duration like 7d or a date like 2026-01-31, not ${JSON.stringify(text)}`, usage);
}

const PAGE = 1000;

async function auditExport(args: string[], s: CliSession): Promise<number> {
  const usage = usageOf(command('audit export'));
  const { positionals, flags } = parseArgs(args, { csv: 'bool', since: 'value' }, usage);
  if (positionals.length > 0) throw new UsageError(`unexpected ${JSON.stringify(positionals.join(' '))}`, usage);
  const sinceText = flags.get('since');
  const since = typeof sinceText === 'string' ? readSince(sinceText, s.clock.now(), usage) : undefined;
  const csv = flags.has('csv');
  const { db } = await s.database();

  if (csv) s.write(csvRow(AUDIT_CSV_HEADER));
  let after = 0;
  let count = 0;
  // Page by sequence number, so a long trail is streamed rather than held in memory.
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(gt(auditEvents.seq, after), since ? gte(auditEvents.at, since) : undefined))
      .orderBy(asc(auditEvents.seq))
      .limit(PAGE);
    for (const row of rows) {
      const e = toAuditEvent(row);
      s.write(csv ? auditCsvRow(e) : `${JSON.stringify({ ...e, at: e.at.toISOString() })}\n`);
    }
    count += rows.length;
    if (rows.length < PAGE) break;
    after = (rows.at(-1) as { seq: number }).seq;
  }
  s.note(`exported ${count} audit event${count === 1 ? '' : 's'}${since ? ` since ${since.toISOString()}` : ''}`);
  return 0;
}

async function reviewExport(args: string[], s: CliSession): Promise<number> {
  const usage = usageOf(command('review export'));
  const { value: as, rest } = takeOption(args, 'as', usage);
  const { positionals } = parseArgs(rest, {}, usage);
  if (positionals.length !== 1) throw new UsageError('review export needs exactly one review id, e.g. pim review export V-7K2Q9XA', usage);
  const { pim } = await s.core();
  const { review, items } = await pim.reviewResults(await s.admin(as), positionals[0] as string);
  s.write(csvRow(REVIEW_CSV_HEADER));
  for (const i of items) s.write(reviewCsvRow(i));
  s.note(`exported ${items.length} item${items.length === 1 ? '' : 's'} of access review ${review.id} (${review.state})`);
  return 0;
}

async function mfaEnroll(args: string[], s: CliSession): Promise<number> {
  const usage = usageOf(command('mfa enroll'));
  const { value: as, rest } = takeOption(args, 'as', usage);
  const { positionals } = parseArgs(rest, {}, usage);
  if (positionals.length !== 1) throw new UsageError('mfa enroll needs exactly one user, e.g. pim mfa enroll alice@example.com', usage);
  const { pim } = await s.core();
  const actor = await s.admin(as);
  if (!pim.isAdmin(actor)) throw new PimError('not_admin');
  const user = await s.principal({ kind: 'id', id: positionals[0] as string });
  const enrollment = await pim.enrollMfa(actor, user.id);
  // The URI on stdout (for a script), the same URI as a QR code for the person at the terminal.
  s.out(enrollment.uri);
  s.note(`new authenticator secret for ${user.name}: scan this with their authenticator app, or give them the URI; it is shown this once and stored only encrypted.`);
  s.raw(terminalQr(enrollment.uri));
  s.note(`the URI and the QR code hold the secret, so show them to ${user.name} only. An authenticator they enrolled before stops working.`);
  return 0;
}

async function deadlines(args: string[], s: CliSession): Promise<number> {
  noArguments(args, 'deadlines');
  const { pim } = await s.core();
  const c = await pim.processDeadlines();
  s.out(`deadlines processed: ${c.expired} expired, ${c.timedOut} timed out, ${c.started} started, ${c.warned} warned`);
  return 0;
}
