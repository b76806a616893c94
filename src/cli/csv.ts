/** CSV for people who open exports in a spreadsheet: RFC 4180 quoting, formula cells defused. */
import type { AuditEvent } from '../core/index.js';

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
