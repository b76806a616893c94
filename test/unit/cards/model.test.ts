import { describe, expect, it } from 'vitest';
import { activationForm, activationReply, auditRow, denyForm, extendReply, roleRow } from '../../../cards/model.js';
import type { ActivationPlan, Assignment, PimRequest, Policy, RoleStatus } from '../../../src/core/index.js';
import { request } from './fixtures.js';

const HOUR = 3_600_000;
const t0 = new Date('2025-06-03T12:00:00Z');

const policy = (over: Partial<Policy> = {}): Policy => ({
  maxActivationMs: HOUR,
  requireJustification: true,
  requireTicket: true,
  ticketPattern: '^INC-[0-9]+$',
  requireMfa: false,
  approval: { required: true, approvers: ['group:sre-leads'], timeoutMs: 24 * HOUR },
  notify: {},
  eligibleExpiryMs: null,
  activeExpiryMs: null,
  allowPermanentEligible: false,
  allowPermanentActive: false,
  warnBeforeMs: 600_000,
  ...over,
});

const pimRequest = (over: Partial<PimRequest> = {}): PimRequest => ({
  id: 'R1',
  kind: 'activate',
  principalId: 'alice@example.com',
  role: 'Owner',
  scope: '/subscriptions/prod',
  durationMs: HOUR,
  reason: 'x',
  ticket: null,
  startAt: null,
  state: 'pending_approval',
  createdAt: t0,
  approvalDeadline: null,
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  assignmentId: null,
  targetAssignmentId: null,
  assignmentType: null,
  failureReason: null,
  updatedAt: t0,
  ...over,
});

const assignment = (over: Partial<Assignment> = {}): Assignment => ({
  id: 'A1',
  principalId: 'alice@example.com',
  role: 'Owner',
  scope: '/subscriptions/prod',
  type: 'active',
  startsAt: t0,
  endsAt: new Date(t0.getTime() + HOUR),
  requestId: 'R1',
  createdBy: 'alice@example.com',
  createdAt: t0,
  endedAt: null,
  endReason: null,
  warnedAt: null,
  warned14dAt: null,
  warned1dAt: null,
  ...over,
});

describe('roleRow', () => {
  it('maps a RoleStatus to a row with ISO times and a policy summary', () => {
    const status: RoleStatus = {
      role: 'Owner',
      scope: '/subscriptions/prod',
      policy: policy(),
      eligible: assignment({ type: 'eligible', endsAt: null, requestId: null }),
      active: assignment(),
      pending: null,
    };
    expect(roleRow(status)).toEqual({
      role: 'Owner',
      scope: '/subscriptions/prod',
      eligible: { until: null },
      active: { until: '2025-06-03T13:00:00.000Z', requestId: 'R1' },
      pendingRequestId: null,
      policy: { maxActivationMs: HOUR, approval: true, reason: true, ticket: true, mfa: false },
    });
  });
});

describe('activationReply', () => {
  it('maps an active result with its end', () => {
    expect(activationReply({ outcome: 'active', request: pimRequest({ state: 'active' }), assignment: assignment() })).toMatchObject({
      kind: 'activation',
      outcome: 'active',
      requestId: 'R1',
      until: '2025-06-03T13:00:00.000Z',
      approvers: [],
    });
  });

  it('names the approvers of a pending result', () => {
    const names: Record<string, string> = { 'carol@example.com': 'Carol' };
    expect(activationReply({ outcome: 'pending_approval', request: pimRequest(), approvers: ['carol@example.com', 'x@example.com'] }, (id) => names[id] ?? id)).toMatchObject({
      outcome: 'pending_approval',
      approvers: ['Carol', 'x@example.com'],
    });
  });

  it('carries the start of a scheduled result', () => {
    expect(activationReply({ outcome: 'scheduled', request: pimRequest({ state: 'scheduled', startAt: new Date('2025-06-04T08:00:00Z') }) })).toMatchObject({ outcome: 'scheduled', startAt: '2025-06-04T08:00:00.000Z' });
  });
});

describe('extendReply', () => {
  it('maps an extension and a renewal waiting for approval', () => {
    expect(extendReply({ outcome: 'extended', assignment: assignment() }, 1_800_000)).toMatchObject({ kind: 'extended', outcome: 'extended', until: '2025-06-03T13:00:00.000Z', durationMs: 1_800_000 });
    expect(extendReply({ outcome: 'pending_approval', request: pimRequest({ kind: 'renew', id: 'R8' }), approvers: ['carol'] }, HOUR)).toMatchObject({
      outcome: 'pending_approval',
      requestKind: 'renew',
      requestId: 'R8',
      approvers: ['carol'],
    });
  });
});

describe('auditRow', () => {
  it('summarises the details without repeating principal, role and scope keys', () => {
    const row = auditRow(
      { seq: 3, at: t0, actor: 'carol@example.com', action: 'request.approved', subject: 'request:R1', details: { principal: 'alice@example.com', role: 'Owner', scope: '/', durationMs: 5_400_000, reason: null }, prevHash: '', hash: '' },
      () => 'Carol',
    );
    expect(row).toEqual({ seq: 3, at: '2025-06-03T12:00:00.000Z', actor: 'Carol', action: 'request.approved', subject: 'request:R1', summary: 'alice@example.com Owner /, durationMs=1h30m' });
  });
});

describe('activationForm', () => {
  const role = {
    name: 'Owner',
    scopes: [
      { path: '/subscriptions/prod', policy: policy() },
      { path: '/subscriptions/dev', policy: policy({ requireTicket: false, requireMfa: true, approval: { required: false, approvers: [], timeoutMs: HOUR } }) },
    ],
  };

  it('asks what the chosen scope’s policy needs, pre-filled', () => {
    const plan: ActivationPlan = { role, eligibleScopes: ['/subscriptions/prod'], scope: '/subscriptions/prod', policy: policy(), missing: ['ticket'], durationMs: HOUR };
    expect(activationForm(plan, { reason: 'keys' })).toEqual({
      role: 'Owner',
      scope: '/subscriptions/prod',
      scopes: ['/subscriptions/prod'],
      durationText: '1h',
      maxActivationMs: HOUR,
      reason: 'keys',
      ticket: '',
      startAt: null,
      ticketPattern: '^INC-[0-9]+$',
      approvalRequired: true,
      fields: { reason: 'required', ticket: 'required', code: 'hidden', scope: 'hidden' },
      errors: {},
    });
  });

  it('before a scope is chosen, requires what every scope needs and shows what any needs', () => {
    const plan: ActivationPlan = { role, eligibleScopes: ['/subscriptions/prod', '/subscriptions/dev'], scope: null, policy: null, missing: ['scope'], durationMs: 0 };
    const form = activationForm(plan, { durationMs: 2 * HOUR, startAt: new Date('2025-06-04T08:00:00Z') });
    expect(form.fields).toEqual({ reason: 'required', ticket: 'optional', code: 'optional', scope: 'required' });
    expect(form.durationText).toBe('2h');
    expect(form.maxActivationMs).toBeNull();
    expect(form.startAt).toBe('2025-06-04T08:00:00.000Z');
  });
});

describe('denyForm', () => {
  it('summarises the request in one line', () => {
    expect(denyForm(request())).toEqual({ requestId: 'R7K2Q', summary: 'Alice: Owner at /subscriptions/prod for 1h', error: null });
  });
});
