/** The channels the core itself posts to, by their name under `channels:` in the config. */

/** Approval requests: posted here when the config has it, else to each approver by DM. */
export const APPROVALS_CHANNEL = 'approvals';
/** Security notices: the weekly digest, MFA lockouts (and the policy's `notify` may name it too). */
export const SECURITY_CHANNEL = 'security';
