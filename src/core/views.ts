/** Turns domain records into the view data notices carry. */
import type { Directory } from './directory.js';
import type { AssignmentView, RequestView } from './notices.js';
import type { Assignment, PimRequest } from './types.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function personView(directory: Directory, id: string): { id: string; name: string } {
  const p = directory.get(id);
  if (p) return { id: p.id, name: p.name };
  return { id, name: id.startsWith('group:') ? `group ${id.slice(6)}` : id };
}

export function requestView(directory: Directory, r: PimRequest, endsAt: Date | null = null): RequestView {
  return {
    id: r.id,
    kind: r.kind,
    requester: personView(directory, r.principalId),
    role: r.role,
    scope: r.scope,
    durationMs: r.durationMs,
    reason: r.reason,
    ticket: r.ticket,
    startAt: iso(r.startAt),
    createdAt: r.createdAt.toISOString(),
    approvalDeadline: iso(r.approvalDeadline),
    state: r.state,
    decidedBy: r.decidedBy ? personView(directory, r.decidedBy) : null,
    decidedAt: iso(r.decidedAt),
    decisionReason: r.decisionReason,
    failureReason: r.failureReason,
    endsAt: iso(endsAt),
  };
}

export function assignmentView(directory: Directory, a: Assignment): AssignmentView {
  return {
    id: a.id,
    principal: personView(directory, a.principalId),
    role: a.role,
    scope: a.scope,
    type: a.type,
    startsAt: a.startsAt.toISOString(),
    endsAt: iso(a.endsAt),
    requestId: a.requestId,
  };
}
