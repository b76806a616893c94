/** The storage layer: what the composition root, jobs and dispatcher import. */
export { openDatabase, pgliteDatabase, migrationsFolder, DEFAULT_PGLITE_DIR } from './client.js';
export type { Database, DatabaseKind, Db, OpenDatabaseOptions } from './client.js';
export { DrizzleStore, unitOfWork } from './store.js';
export type { DrizzleStoreOptions } from './store.js';
export { OutboxQueue } from './outbox-queue.js';
export type { QueuedOutboxItem } from './outbox-queue.js';
export { OUTBOX_CHANNEL } from './repos/outbox.js';
export { AUDIT_LOCK_KEY } from './repos/audit.js';
export { auditHash, canonicalJson, GENESIS_HASH } from './audit-hash.js';
export { verifyAuditChain } from './audit-verify.js';
export type { AuditVerification } from './audit-verify.js';
export { MessageRefStore } from './message-refs.js';
export { ConversationRefStore } from './conversation-refs.js';
export { DedupeStore } from './dedupe.js';
export { MetaStore, META_BOOTSTRAP_APPLIED, META_DEV_CLOCK_OFFSET } from './meta.js';
export * as schema from './schema.js';
