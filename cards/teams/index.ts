/** Microsoft Teams Adaptive Card renderers. */
export { escapeTeams, escapeTeamsPlain } from './escape.js';
export { expandTemplate, type AdaptiveCardJson } from './card.js';
export { CARD_SCHEMA, CARD_VERSION, MESSAGE_TEMPLATE, ACTIVATION_FORM_TEMPLATE, DENY_FORM_TEMPLATE } from './templates.js';
export { teamsNotice, teamsReply, teamsFallbackText, type TeamsNoticeOptions } from './messages.js';
export { teamsActivationForm, teamsDenyForm, readTeamsActivationSubmission, readTeamsDenySubmission, type TeamsActivationSubmission } from './forms.js';
