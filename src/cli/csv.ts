/** CSV for people who open exports in a spreadsheet: RFC 4180 quoting, formula cells defused. */
import type { AuditEvent, ReviewItem } from '../core/index.js';

/**
 * Text a spreadsheet would evaluate as a formula starts with one of these (OWASP "CSV
 * injection": = + - @, plus tab and carriage return).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell. Text that starts like a formula gets a leading `'`, so a spreadsheet shows it
 * instead of running it; a cell with a comma, quote or line break is quoted, quotes doubled.
 * Numbers are written as they are.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated (RFC 4180). */
export function csvRow(cells: readonly (string | number)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const AUDIT_CSV_HEADER = ['seq', 'at', 'actor', 'action', 'subject', 'details', 'hash'] as const;

/** An audit event as a CSV record in `AUDIT_CSV_HEADER` order; details as JSON. */
export function auditCsvRow(e: AuditEvent): string {
  return csvRow([e.seq, e.at.toISOString(), e.actor, e.action, e.subject, JSON.stringify(e.details), e.hash]);
}

export const REVIEW_CSV_HEADER = ['review', 'item', 'principal', 'role', 'scope', 'type', 'recommendation', 'recommendation_reason', 'reviewers', 'decision', 'decided_by', 'decided_at', 'reason', 'applied', 'applied_at'] as const;

/** A review item as a CSV record in `REVIEW_CSV_HEADER` order: who, what, the decision, who made it, why, when, what was applied. */
export function reviewCsvRow(i: ReviewItem): string {
  const iso = (d: Date | null) => d?.toISOString() ?? '';
  return csvRow([
    i.reviewId,
    i.id,
    i.principalId,
    i.role,
    i.scope,
    i.type,
    i.recommendation.decision ?? '',
    i.recommendation.reason,
    i.reviewers.join(' '),
    i.decision ?? '',
    i.decidedBy ?? '',
    iso(i.decidedAt),
    i.reason ?? '',
    i.applied ?? (i.appliedAt ? 'none' : ''),
    iso(i.appliedAt),
  ]);
}
