/** Every table, for drizzle and for tests. drizzle-kit reads the `*.sql.ts` files directly. */
export { requests, REQUEST_KINDS } from './requests.sql.js';
export { assignments, END_REASONS } from './assignments.sql.js';
export { auditEvents } from './audit.sql.js';
export { outbox } from './outbox.sql.js';
export { messageRefs, conversationRefs } from './messaging.sql.js';
export { mfaFailures, mfaSecrets } from './mfa.sql.js';
export { dedupeKeys, meta, rateLimits } from './system.sql.js';
export { alerts } from './alerts.sql.js';
export { reviews, reviewItems } from './reviews.sql.js';
