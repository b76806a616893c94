import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../../src/core/duration.js';
import { PimError, type ErrorCode } from '../../../src/core/errors.js';
import {
  checkActivation,
  checkAssignmentEnd,
  checkReason,
  DEFAULT_POLICY,
  defaultDuration,
  findRole,
  findScope,
  MAX_REASON_LENGTH,
  MAX_SCHEDULE_AHEAD_MS,
  MIN_ACTIVATION_MS,
  missingInputs,
  type ActivationInput,
} from '../../../src/core/policy.js';
import type { Policy, Role } from '../../../src/core/types.js';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

const policy = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, maxActivationMs: HOUR, requireJustification: false, ...over });

/** Runs `fn` and returns the PimError code it threw (fails the test when it threw nothing or something else). */
function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PimError);
    return (e as PimError).code;
  }
  throw new Error('expected a PimError, nothing was thrown');
}

const activation = (p: Policy, input: ActivationInput) => () => checkActivation('Owner', p, input, NOW);

describe('activation duration', () => {
  it('accepts exactly the 5 minute minimum', () => {
    expect(activation(policy(), { durationMs: MIN_ACTIVATION_MS })).not.toThrow();
  });

  it('refuses less than 5 minutes', () => {
    expect(codeOf(activation(policy(), { durationMs: MIN_ACTIVATION_MS - 1 }))).toBe('duration_too_short');
  });

  it('accepts exactly the policy maximum', () => {
    expect(activation(policy({ maxActivationMs: 2 * HOUR }), { durationMs: 2 * HOUR })).not.toThrow();
  });

  it('refuses more than the policy maximum, naming the maximum', () => {
    let err: PimError | undefined;
    try {
      checkActivation('Owner', policy({ maxActivationMs: 2 * HOUR }), { durationMs: 2 * HOUR + 1 }, NOW);
    } catch (e) {
      err = e as PimError;
    }
    expect(err?.code).toBe('duration_too_long');
    expect(err?.details).toMatchObject({ role: 'Owner', max: '2h' });
  });

  it('uses the default duration when none is asked', () => {
    // Default is min(max, 1h): a 30m maximum gives 30m, which is within bounds.
    expect(activation(policy({ maxActivationMs: 30 * MINUTE }), {})).not.toThrow();
  });
});

describe('default duration', () => {
  it('is the policy maximum when that is under an hour', () => {
    expect(defaultDuration(policy({ maxActivationMs: 20 * MINUTE }))).toBe(20 * MINUTE);
  });

  it('is capped at one hour', () => {
    expect(defaultDuration(policy({ maxActivationMs: 8 * HOUR }))).toBe(HOUR);
  });
});

describe('justification', () => {
  it('is required when the policy says so', () => {
    expect(codeOf(activation(policy({ requireJustification: true }), { durationMs: HOUR }))).toBe('reason_required');
  });

  it('a blank reason counts as missing', () => {
    expect(codeOf(activation(policy({ requireJustification: true }), { durationMs: HOUR, reason: '   ' }))).toBe('reason_required');
  });

  it('is accepted when given', () => {
    expect(activation(policy({ requireJustification: true }), { durationMs: HOUR, reason: 'deploy hotfix' })).not.toThrow();
  });

  it('is optional when the policy does not require it', () => {
    expect(activation(policy({ requireJustification: false }), { durationMs: HOUR })).not.toThrow();
  });

  it('accepts a reason of exactly 500 characters', () => {
    expect(() => checkReason('Owner', 'x'.repeat(MAX_REASON_LENGTH), true)).not.toThrow();
  });

  it('refuses a reason over 500 characters instead of truncating it', () => {
    const reason = 'x'.repeat(MAX_REASON_LENGTH + 1);
    let err: PimError | undefined;
    try {
      checkReason('Owner', reason, false);
    } catch (e) {
      err = e as PimError;
    }
    expect(err?.code).toBe('reason_too_long');
    expect(err?.details).toEqual({ length: 501, max: 500 });
    expect(reason).toHaveLength(501); // untouched
  });

  it('refuses an oversized reason even when reasons are optional (activation)', () => {
    expect(codeOf(activation(policy({ requireJustification: false }), { durationMs: HOUR, reason: 'y'.repeat(600) }))).toBe('reason_too_long');
  });
});

describe('ticket', () => {
  it('is required when the policy says so', () => {
    expect(codeOf(activation(policy({ requireTicket: true }), { durationMs: HOUR }))).toBe('ticket_required');
  });

  it('must match the ticket pattern', () => {
    expect(codeOf(activation(policy({ requireTicket: true, ticketPattern: '^INC-[0-9]+$' }), { durationMs: HOUR, ticket: 'CHG-12' }))).toBe('ticket_invalid');
  });

  it('is accepted when it matches the pattern', () => {
    expect(activation(policy({ requireTicket: true, ticketPattern: '^INC-[0-9]+$' }), { durationMs: HOUR, ticket: 'INC-42' })).not.toThrow();
  });

  it('is matched against the whole ticket even when the pattern has no anchors', () => {
    const p = policy({ requireTicket: true, ticketPattern: 'INC-[0-9]+' });
    expect(activation(p, { durationMs: HOUR, ticket: 'INC-7' })).not.toThrow();
    expect(codeOf(activation(p, { durationMs: HOUR, ticket: 'not INC-7 at all' }))).toBe('ticket_invalid');
  });

  it('is checked against the pattern even when not required', () => {
    expect(codeOf(activation(policy({ requireTicket: false, ticketPattern: '^INC-[0-9]+$' }), { durationMs: HOUR, ticket: 'nope' }))).toBe('ticket_invalid');
  });

  it('refuses a ticket over 100 characters', () => {
    expect(codeOf(activation(policy(), { durationMs: HOUR, ticket: 'T'.repeat(101) }))).toBe('ticket_invalid');
  });
});

describe('MFA', () => {
  it('a code is required when the policy says so', () => {
    expect(codeOf(activation(policy({ requireMfa: true }), { durationMs: HOUR }))).toBe('mfa_required');
  });

  it('a code given satisfies the rule (it is verified against the stored secret elsewhere)', () => {
    expect(activation(policy({ requireMfa: true }), { durationMs: HOUR, mfaCode: '123456' })).not.toThrow();
  });
});

describe('scheduled start', () => {
  it('refuses a start in the past', () => {
    expect(codeOf(activation(policy(), { durationMs: HOUR, startAt: at(-HOUR) }))).toBe('start_in_past');
  });

  it('tolerates a start a few seconds ago (clock skew)', () => {
    expect(activation(policy(), { durationMs: HOUR, startAt: at(-10_000) })).not.toThrow();
  });

  it('accepts a start within 30 days', () => {
    expect(activation(policy(), { durationMs: HOUR, startAt: at(MAX_SCHEDULE_AHEAD_MS) })).not.toThrow();
  });

  it('refuses a start more than 30 days ahead', () => {
    expect(codeOf(activation(policy(), { durationMs: HOUR, startAt: at(MAX_SCHEDULE_AHEAD_MS + MINUTE) }))).toBe('start_too_far');
  });
});

describe('missing inputs', () => {
  it('lists what the policy needs and the command did not give', () => {
    const p = policy({ requireJustification: true, requireTicket: true, requireMfa: true });
    expect(missingInputs(p, {})).toEqual(['reason', 'ticket', 'code']);
  });

  it('is empty when everything was given', () => {
    const p = policy({ requireJustification: true, requireTicket: true, requireMfa: true });
    expect(missingInputs(p, { reason: 'r', ticket: 'INC-1', mfaCode: '123456' })).toEqual([]);
  });
});

describe('assignment expiry', () => {
  const check = (p: Policy, type: 'eligible' | 'active', endsAt: Date | null) => () => checkAssignmentEnd('Owner', p, type, NOW, endsAt);

  it('allows a permanent eligible assignment by default', () => {
    expect(check(policy(), 'eligible', null)).not.toThrow();
  });

  it('refuses a permanent active assignment by default', () => {
    expect(codeOf(check(policy(), 'active', null))).toBe('expiry_required');
  });

  it('allows a permanent active assignment when the policy allows it', () => {
    expect(check(policy({ allowPermanentActive: true }), 'active', null)).not.toThrow();
  });

  it('refuses a permanent eligible assignment when the policy forbids it', () => {
    expect(codeOf(check(policy({ allowPermanentEligible: false }), 'eligible', null))).toBe('expiry_required');
  });

  it('accepts an active assignment at exactly the active limit', () => {
    expect(check(policy({ activeExpiryMs: 30 * DAY }), 'active', at(30 * DAY))).not.toThrow();
  });

  it('refuses an active assignment longer than the active limit', () => {
    expect(codeOf(check(policy({ activeExpiryMs: 30 * DAY }), 'active', at(30 * DAY + 1)))).toBe('expiry_too_long');
  });

  it('refuses an eligible assignment longer than the eligible limit', () => {
    expect(codeOf(check(policy({ eligibleExpiryMs: 90 * DAY }), 'eligible', at(91 * DAY)))).toBe('expiry_too_long');
  });

  it('has no upper bound when the limit is null', () => {
    expect(check(policy({ eligibleExpiryMs: null }), 'eligible', at(3650 * DAY))).not.toThrow();
  });

  it('refuses an end in the past', () => {
    expect(codeOf(check(policy(), 'eligible', at(-MINUTE)))).toBe('invalid_input');
  });
});

describe('role lookup', () => {
  const roles: Role[] = [
    { name: 'Owner', scopes: [{ path: '/subscriptions/prod', policy: policy() }] },
    { name: 'Global Administrator', scopes: [{ path: '/', policy: policy() }] },
  ];

  it('finds a role whatever the case', () => {
    expect(findRole(roles, 'owner').name).toBe('Owner');
    expect(findRole(roles, 'OWNER').name).toBe('Owner');
  });

  it('finds a role with spaces in its name, trimmed, whatever the case', () => {
    expect(findRole(roles, '  global administrator ').name).toBe('Global Administrator');
  });

  it('refuses an unknown role with unknown_role', () => {
    expect(codeOf(() => findRole(roles, 'Janitor'))).toBe('unknown_role');
  });

  it('finds a scope whatever the case', () => {
    expect(findScope(roles[0] as Role, '/Subscriptions/PROD').path).toBe('/subscriptions/prod');
  });

  it('refuses an unknown scope with unknown_scope, listing the scopes', () => {
    let err: PimError | undefined;
    try {
      findScope(roles[0] as Role, '/subscriptions/dev');
    } catch (e) {
      err = e as PimError;
    }
    expect(err?.code).toBe('unknown_scope');
    expect(err?.details.scopes).toBe('/subscriptions/prod');
  });
});
