/** Access reviews: open (one-time or recurring), decide, remind, end and apply, and the reads. */
export { decideByTarget, decideItem } from './decide.js';
export { applyReview, endDueReviews, reviewResults, stopReview } from './end.js';
export { openReview, startReview, type ReviewInput } from './open.js';
export { countPendingReviewItems, currentReviewNotice, pendingReviews } from './reads.js';
export { DEFAULT_REVIEW_SETTINGS, inScope, outcomeOf, recommend, REVIEW_DEFAULT_DAYS, REVIEW_MAX_DAYS, REVIEW_MIN_DAYS, type Activity } from './recommend.js';
export { nextReviewDeadline, reminderTimes, sendReminders } from './remind.js';
export { itemView, reviewView, summarise } from './views.js';
export { currentRun, nextRun, runStart, zonedMidnight } from './recurrence.js';
export { definitionKey, nextRunStart, openDueRuns } from './recurring.js';
