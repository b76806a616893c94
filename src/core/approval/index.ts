/** Approval: who decides a request, approve and deny, and the approval card. */
export { approvalDeadEnds, approvalNeedsMfa, approversFor, canDecide, maySee, otherApprovers, pendingApprovals } from './approvers.js';
export { announceApprovalRequest, currentNotice, currentNotices, updateApprovalCards } from './cards.js';
export { checkMayDecide, decidable, decide } from './decide.js';
