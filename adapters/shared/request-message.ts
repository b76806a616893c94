/** Which request a direct answer is the requester's message about, so the adapter keeps it to be updated. */
import type { Reply } from '../../cards/model.js';
import { subjects, type MessageSubject } from '../../src/core/index.js';

/**
 * The subject (`pending:<id>`) of the request a reply answers about, when the reply is the
 * requester's message about it (an activation or an extension waiting for approval): the outbox
 * updates it as the request moves, so its Cancel button goes once it is decided. Null otherwise.
 */
export function requestMessageSubject(reply: Reply): MessageSubject | null {
  if (reply.kind === 'activation') return subjects.pending(reply.requestId);
  if (reply.kind === 'extended' && reply.outcome !== 'extended' && reply.requestId) return subjects.pending(reply.requestId);
  return null;
}
