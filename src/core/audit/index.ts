/** The audit trail: reads, config records, refused sign-ins, and access checks for commands without a core method. */
export { changedSettings } from './config-history.js';
export { localDay, postAuditHead, type AuditHeadOutcome } from './head.js';
export { auditLog, auditPage, authorize, verifyAudit, deliveryFailed, identityRefused, recordConfig } from './trail.js';
