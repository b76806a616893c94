/** The one place a request or an assignment record is made. */
import type { Assignment, PimRequest, RequestState } from '../types.js';

/** A new assignment starting now, not ended and not warned. */
export function newAssignment(
  f: Pick<Assignment, 'id' | 'principalId' | 'role' | 'scope' | 'type' | 'endsAt' | 'requestId' | 'createdBy'>,
  now: Date,
): Assignment {
  return { ...f, startsAt: now, createdAt: now, endedAt: null, endReason: null, warnedAt: null, warned14dAt: null, warned1dAt: null };
}

/** What a new request is made of; everything else starts empty. */
export interface NewRequest {
  id: string;
  kind: PimRequest['kind'];
  principalId: string;
  role: string;
  scope: string;
  durationMs: number;
  reason: string | null | undefined;
  ticket: string | null | undefined;
  state: RequestState;
  startAt?: Date | null;
  /** How long approvers have (the policy's `approval.timeout`); only a pending request has a deadline. */
  approvalTimeoutMs?: number;
  /** The assignment an extension or renewal moves the end of. */
  targetAssignmentId?: string | null;
}

/** A new request made now: reason and ticket trimmed (empty is none), undecided. */
export function newRequest(f: NewRequest, now: Date): PimRequest {
  const target = f.targetAssignmentId ?? null;
  return {
    id: f.id,
    kind: f.kind,
    principalId: f.principalId,
    role: f.role,
    scope: f.scope,
    durationMs: f.durationMs,
    reason: f.reason?.trim() || null,
    ticket: f.ticket?.trim() || null,
    startAt: f.startAt ?? null,
    state: f.state,
    createdAt: now,
    approvalDeadline: f.state === 'pending_approval' && f.approvalTimeoutMs ? new Date(now.getTime() + f.approvalTimeoutMs) : null,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    // A request completed at once (an extension without approval) names the assignment it changed.
    assignmentId: f.state === 'completed' ? target : null,
    targetAssignmentId: target,
    assignmentType: null,
    failureReason: null,
    updatedAt: now,
  };
}
