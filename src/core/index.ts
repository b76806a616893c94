/**
 * The core's one import path for every other layer (adapters, cards, db, jobs, providers, the
 * CLI, main and the tests): the domain model, the ports, and the `Pim` facade with the types its
 * methods take and return. Feature folders are internal; scripts/check-deps.mjs refuses a deep import.
 */
export * from './channels.js';
export * from './directory.js';
export * from './duration.js';
export * from './errors.js';
export * from './keys.js';
export * from './notices.js';
export * from './policy.js';
export * from './ports.js';
export * from './types.js';
export * from './views.js';
export { Pim, type PimDeps } from './pim.js';
export type { ActivateInput, ActivateResult, ActivationPlan, ExtendInput, ExtendResult, ExtensionPlan } from './activation/index.js';
export type { AssignInput, BootstrapItem, RoleStatus } from './assignments/index.js';
export { changedSettings, type AuditHeadOutcome } from './audit/index.js';
export { ASSIGNMENT_WARNINGS, type DeadlineResult } from './deadlines/index.js';
export { DEFAULT_ALERT_SETTINGS, evaluateRules, reviewable, type AlertScanResult, type AlertSnapshot } from './alerts/index.js';
export { currentRun, nextRun, runStart, zonedMidnight, DEFAULT_REVIEW_SETTINGS, outcomeOf, recommend, reminderTimes, reviewView, REVIEW_DEFAULT_DAYS, REVIEW_MAX_DAYS, REVIEW_MIN_DAYS, type Activity, type ReviewInput } from './reviews/index.js';
export { buildDigest, DIGEST_LIST_MAX, DIGEST_PERIOD_MS, isoWeek, type DigestInput, type DigestOutcome } from './digest/index.js';
export { normaliseId } from './shared/index.js';
