/** Slack Block Kit renderers. */
export { escapeSlack } from './escape.js';
export { LIMITS, type PlainText, type Mrkdwn, type TextObject, type SlackBlock, type SlackMessage, type SlackModalView, type SlackHomeView, type View } from './blocks.js';
export { checkBlockKitLimits } from './limits.js';
export { slackNotice, slackReply, slackHome } from './messages.js';
export {
  slackActivationModal,
  slackExtensionModal,
  slackDenyModal,
  slackDismissAlertModal,
  readDismissAlertSubmission,
  slackApproveModal,
  slackViewErrors,
  readActivationSubmission,
  readExtensionSubmission,
  readDenySubmission,
  readApproveSubmission,
  type ActivationMetadata,
  type ActivationSubmission,
  type ExtensionSubmission,
  type SubmittedView,
} from './forms.js';
