/** Microsoft Teams Adaptive Card renderers. */
export { escapeTeams, escapeTeamsPlain } from './escape.js';
export { expandTemplate, type AdaptiveCardJson } from './card.js';
export { CARD_SCHEMA, CARD_VERSION, MESSAGE_TEMPLATE, ACTIVATION_FORM_TEMPLATE, EXTENSION_FORM_TEMPLATE, DENY_FORM_TEMPLATE } from './templates.js';
export { teamsNotice, teamsReply, teamsFallbackText, type TeamsNoticeOptions } from './messages.js';
export {
  teamsActivationForm,
  teamsExtensionForm,
  teamsDenyForm,
  teamsDismissAlertForm,
  readTeamsDismissAlertSubmission,
  readTeamsActivationSubmission,
  readTeamsExtensionSubmission,
  readTeamsDenySubmission,
  type TeamsActivationSubmission,
  type TeamsExtensionSubmission,
} from './forms.js';
