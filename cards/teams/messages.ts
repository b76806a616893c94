/** Teams renderings of notices and command replies, and their one-line fallbacks. */
import { APPROVE_CODE, REFRESH } from '../actions.js';
import { noticeContent, replyContent } from '../content.js';
import { NOTICE_KINDS as ALL_NOTICE_KINDS } from '../../src/core/index.js';
import type { Notice, RenderContext, Reply } from '../model.js';
import { fallbackLine, messageCard, type AdaptiveCardJson } from './card.js';

/** Teams allows at most 60 users in a card's `refresh.userIds`. */
const REFRESH_USERS_MAX = 60;

export interface TeamsNoticeOptions {
  /**
   * AAD object ids of the approvers. On a pending approval request the card then carries a
   * `refresh` (verb `REFRESH`, data `{ requestId }`), so each of them sees it as it is now.
   */
  refreshUserIds?: string[];
  /**
   * The request's policy asks approvers for an MFA code (`approval.requireMfa`): a pending
   * approval card then carries a code input, sent with Approve (Action.Execute gathers it).
   */
  approveCode?: boolean;
}

/** The approver's code input of an approval card whose Approve needs one. */
const APPROVE_CODE_INPUT = {
  type: 'Input.Text',
  id: APPROVE_CODE,
  label: 'MFA code (needed to approve)',
  placeholder: 'The 6-digit code from your authenticator app',
  maxLength: 10,
};

/** A notice as an Adaptive Card. Approval requests carry Approve/Deny only while pending. */
export function teamsNotice(notice: Notice, ctx: RenderContext, opts: TeamsNoticeOptions = {}): AdaptiveCardJson {
  const card = messageCard(noticeContent(notice, ctx));
  const ids = opts.refreshUserIds?.filter((id) => id.length > 0) ?? [];
  if (notice.kind === 'approval_request' && notice.request.state === 'pending_approval' && ids.length > 0) {
    card.refresh = { action: { type: 'Action.Execute', verb: REFRESH, data: { requestId: notice.request.id } }, userIds: ids.slice(0, REFRESH_USERS_MAX) };
  }
  if (notice.kind === 'approval_request' && notice.request.state === 'pending_approval' && opts.approveCode) card.body.push(APPROVE_CODE_INPUT);
  return card;
}

/** A command's answer as an Adaptive Card. */
export function teamsReply(reply: Reply, ctx: RenderContext): AdaptiveCardJson {
  return messageCard(replyContent(reply, ctx));
}

/** Notice kinds that are not also reply kinds (`text` is both, with the same shape). */
const NOTICE_KINDS = new Set<string>(Object.keys(ALL_NOTICE_KINDS).filter((k) => k !== 'text'));

const isNotice = (x: Notice | Reply): x is Notice => NOTICE_KINDS.has(x.kind);

/**
 * The one-line summary of a notice or reply, for the activity's `text` or `summary` next to the
 * card (notifications, chat list). Teams renders `text` as markdown, so it is escaped like card text.
 */
export function teamsFallbackText(item: Notice | Reply, ctx: RenderContext): string {
  // `text` is a kind of both unions with the same shape, so either content function fits it.
  return fallbackLine((isNotice(item) ? noticeContent(item, ctx) : replyContent(item as Reply, ctx)).summary);
}
