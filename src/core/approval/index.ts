/** Approval: who decides a request, approve and deny, and the approval card. */
export { approvalNeedsMfa, approversFor, canDecide, otherApprovers, pendingApprovals } from './approvers.js';
export { announceApprovalRequest, currentNotice, updateApprovalCards } from './cards.js';
export { checkMayDecide, decide } from './decide.js';
