/** Deadlines: expiry, approval time-outs, scheduled starts and expiry warnings, and when the next one is due. */
export { nextDeadline, processDeadlines, type DeadlineResult } from './process.js';
export { ASSIGNMENT_WARNINGS } from './warnings.js';
