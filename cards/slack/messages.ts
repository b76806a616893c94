/** Slack renderings of notices, command replies and the App Home. */
import { homeContent, noticeContent, replyContent } from '../content.js';
import type { HomeView, Notice, RenderContext, Reply } from '../model.js';
import { LIMITS, renderBlocks, renderMessage, type SlackHomeView, type SlackMessage } from './blocks.js';

/** A notice as a Slack message. Approval requests carry Approve/Deny only while pending. */
export function slackNotice(notice: Notice, ctx: RenderContext): SlackMessage {
  return renderMessage(noticeContent(notice, ctx));
}

/** A command's answer as a Slack message (usually ephemeral). */
export function slackReply(reply: Reply, ctx: RenderContext): SlackMessage {
  return renderMessage(replyContent(reply, ctx));
}

/** The App Home tab, for `views.publish`. */
export function slackHome(home: HomeView, ctx: RenderContext): SlackHomeView {
  return { type: 'home', blocks: renderBlocks(homeContent(home, ctx), LIMITS.viewBlocks) };
}
