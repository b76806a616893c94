/** Builders for rows the storage tests insert; every field can be overridden. */
import type { Assignment, Clock, PimRequest } from '../../src/core/index.js';

export const T0 = new Date('2030-01-01T00:00:00.000Z');

export function at(offsetMs: number, base = T0): Date {
  return new Date(base.getTime() + offsetMs);
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date = T0) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(d: Date): void {
    this.current = d;
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

let counter = 0;
const next = (prefix: string) => `${prefix}-${++counter}`;

export function makeRequest(over: Partial<PimRequest> = {}): PimRequest {
  return {
    id: next('R'),
    kind: 'activate',
    principalId: 'alice@example.com',
    role: 'Owner',
    scope: '/subscriptions/prod',
    durationMs: HOUR,
    reason: 'deploy hotfix',
    ticket: 'INC-1',
    startAt: null,
    state: 'pending_approval',
    createdAt: T0,
    approvalDeadline: at(24 * HOUR),
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    assignmentId: null,
    targetAssignmentId: null,
    assignmentType: null,
    failureReason: null,
    updatedAt: T0,
    ...over,
  };
}

export function makeAssignment(over: Partial<Assignment> = {}): Assignment {
  return {
    id: next('A'),
    principalId: 'alice@example.com',
    role: 'Owner',
    scope: '/subscriptions/prod',
    type: 'active',
    startsAt: T0,
    endsAt: at(HOUR),
    requestId: null,
    createdBy: 'carol@example.com',
    createdAt: T0,
    endedAt: null,
    endReason: null,
    warnedAt: null,
    warned14dAt: null,
    warned1dAt: null,
    ...over,
  };
}
