/** What core features share: deps, lookups, builders, audit, the outbox, the MFA check, grant start and assignment end. */
export * from './audit.js';
export * from './builders.js';
export type { PimDeps } from './deps.js';
export * from './end.js';
export * from './grant.js';
export * from './lookups.js';
export * from './mfa-check.js';
export * from './outbox.js';
