/**
 * cards: pure functions from view data to Slack Block Kit and Teams Adaptive Cards.
 * Imports only types and pure helpers from src/core.
 */
export * from './actions.js';
export * from './model.js';
export { formatTime, formatRelative, formatWhen, formatUntil } from './format.js';
export { alertTitle, noticeContent, replyContent, homeContent, type Content } from './content.js';
export * from './slack/index.js';
export * from './teams/index.js';
