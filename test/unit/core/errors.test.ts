import { describe, expect, it } from 'vitest';
import { describeError, ERROR_CODES, isPimError, PimError, type ErrorCode } from '../../../src/core/errors.js';

/** Details as the core passes them for each code. */
const TYPICAL: Record<ErrorCode, Record<string, unknown>> = {
  unknown_user: { user: 'mallory@example.com' },
  ambiguous_user: { platform: 'slack', platformId: 'U0X' },
  no_such_user: { user: 'bob', example: 'bob@example.com' },
  ambiguous_user_ref: { user: 'sam', matches: 'sam.a@example.com, sam.b@example.com' },
  identity_bound_elsewhere: { platform: 'slack', platformId: 'U0MALLORY', principalId: 'erin@example.com' },
  email_unverified: { platform: 'slack', platformId: 'U0X' },
  wrong_workspace: { expected: 'T0PIM', actual: 'T0EVIL' },
  unknown_role: { role: 'Janitor' },
  unknown_scope: { role: 'Owner', scope: '/x', scopes: '/subscriptions/prod' },
  scope_required: { role: 'Contributor', scopes: '/a, /b' },
  not_eligible: { role: 'Owner', scope: '/subscriptions/prod' },
  already_active: { role: 'Owner', until: '2030-01-01T01:00:00.000Z' },
  not_active: { role: 'Owner' },
  duration_too_short: { role: 'Owner', min: '5m' },
  duration_too_long: { role: 'Owner', max: '1h' },
  reason_required: { role: 'Owner' },
  reason_too_long: { length: 501, max: 500 },
  ticket_required: { role: 'Owner' },
  ticket_invalid: { role: 'Owner', ticket: 'CHG-1', pattern: '^INC-[0-9]+$' },
  mfa_required: { role: 'Owner' },
  mfa_not_enrolled: { role: 'Owner' },
  mfa_invalid: { role: 'Owner' },
  mfa_reused: { role: 'Owner' },
  mfa_locked: { role: 'Owner', until: '2030-01-07T09:15:00.000Z' },
  mfa_unreadable: { role: 'Owner' },
  mfa_already_enrolled: {},
  start_in_past: {},
  start_too_far: { max: '30d' },
  self_approval: { id: 'R-1' },
  not_approver: { id: 'R-1', role: 'Owner' },
  not_found: { id: 'R-1' },
  already_decided: { id: 'R-1', state: 'timed_out', by: 'Carol' },
  not_requester: { id: 'R-1' },
  not_admin: {},
  auditor_read_only: {},
  not_auditor: {},
  extension_too_long: { role: 'Owner', max: '2h', more: '30m', moreMs: 1_800_000 },
  expiry_required: { role: 'Owner', type: 'active', max: '180d' },
  expiry_too_long: { role: 'Owner', type: 'active', max: '180d' },
  already_assigned: { user: 'Alice', role: 'Owner', scope: '/subscriptions/prod', type: 'eligible' },
  not_assigned: { user: 'Alice', role: 'Owner', scope: '/subscriptions/prod' },
  renew_too_early: { role: 'Owner', until: '2030-03-01T00:00:00.000Z' },
  unknown_alert: { id: 'A-7K2Q9XA' },
  alert_closed: { id: 'A-7K2Q9XA', state: 'dismissed', by: 'Erin' },
  audit_unverifiable: {},
  unknown_review: { id: 'V-7K2Q9XA' },
  review_closed: { id: 'V-7K2Q9XA', state: 'ended' },
  review_not_ended: { id: 'V-7K2Q9XA', until: '2030-01-21T09:00:00.000Z' },
  not_reviewer: { id: 'V-7K2Q9XA' },
  no_review_items: { role: 'Owner', scope: '/subscriptions/prod' },
  invalid_input: { message: 'That is not a duration.' },
};

describe('error sentences', () => {
  it.each([...ERROR_CODES])('%s has a sentence with typical details', (code) => {
    const s = describeError(code, TYPICAL[code]);
    expect(s.length).toBeGreaterThan(10);
    expect(s).toMatch(/^[A-Z"`']|^\S/);
    expect(s).toMatch(/[.!?]$/);
    expect(s).not.toMatch(/undefined|null|\[object Object\]|NaN/);
    // Instants read as "2030-01-01 01:00 UTC", never as a raw ISO string.
    expect(s).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it.each([...ERROR_CODES])('%s has a sentence even with no details', (code) => {
    const s = describeError(code);
    expect(s.trim().length).toBeGreaterThan(10);
    expect(s).not.toMatch(/undefined|null|\[object Object\]|NaN/);
  });

  it.each([...ERROR_CODES])('%s has a sentence when details are explicitly null', (code) => {
    const nulls = Object.fromEntries(Object.keys(TYPICAL[code]).map((k) => [k, null]));
    expect(describeError(code, nulls)).not.toMatch(/undefined|null|\[object Object\]/);
  });

  it('names what to do next for a reason that is too long', () => {
    expect(describeError('reason_too_long', { length: 612, max: 500 })).toBe('The reason is 612 characters long; the limit is 500. Shorten it.');
  });

  it('writes a state with underscores as words', () => {
    expect(describeError('already_decided', { id: 'R-1', state: 'timed_out' })).toContain('already timed out');
  });
});

describe('PimError', () => {
  it('carries its code, details and sentence', () => {
    const e = new PimError('not_approver', { id: 'R-1', role: 'Owner' });
    expect(e.code).toBe('not_approver');
    expect(e.details).toEqual({ id: 'R-1', role: 'Owner' });
    expect(e.message).toBe(describeError('not_approver', { id: 'R-1', role: 'Owner' }));
    expect(e.name).toBe('PimError');
    expect(e).toBeInstanceOf(Error);
  });

  it('is recognised by isPimError, and other errors are not', () => {
    expect(isPimError(new PimError('not_admin'))).toBe(true);
    expect(isPimError(new Error('boom'))).toBe(false);
    expect(isPimError({ code: 'not_admin' })).toBe(false);
  });
});
