/**
 * What the Teams adapter sends, built from `cards/`: notices (approval requests carry a `refresh`
 * for their approvers), replies and forms, each as a Bot Framework message activity.
 */
import { CardFactory, type Activity } from 'botbuilder';
import type { Notice, RenderContext, Reply } from '../../cards/model.js';
import { teamsFallbackText, teamsNotice, teamsReply, type AdaptiveCardJson } from '../../cards/teams/index.js';
import type { Env } from '../../src/config/env.js';
import type { Clock, Pim, PimRequest } from '../../src/core/index.js';

export const renderContext = (env: Pick<Env, 'timezone'>, clock: Clock): RenderContext => ({ timeZone: env.timezone, now: clock.now() });

/**
 * AAD object ids of the people who may decide a request (the requester left out: they cannot
 * approve their own), for the card's `refresh.userIds`.
 */
export function approverAadIds(pim: Pim, r: Pick<PimRequest, 'kind' | 'role' | 'scope'> & { requesterId: string }): string[] {
  const out = new Set<string>();
  for (const id of pim.otherApprovers({ ...r, principalId: r.requesterId })) {
    const aad = pim.directory.get(id)?.teams;
    if (aad) out.add(aad.toLowerCase());
  }
  return [...out];
}

/** A notice as a card; a pending approval request refreshes for its approvers. */
export function noticeCard(pim: Pim, notice: Notice, ctx: RenderContext): AdaptiveCardJson {
  const refreshUserIds =
    notice.kind === 'approval_request' ? approverAadIds(pim, { kind: notice.request.kind, role: notice.request.role, scope: notice.request.scope, requesterId: notice.request.requester.id }) : [];
  const approveCode = notice.kind === 'approval_request' && pim.approvalNeedsMfa(notice.request);
  return teamsNotice(notice, ctx, { refreshUserIds, approveCode });
}

/** A message activity carrying a card, with a one-line text for notifications and the chat list. */
export function cardMessage(card: AdaptiveCardJson, text?: string): Partial<Activity> {
  return { type: 'message', attachments: [CardFactory.adaptiveCard(card)], ...(text ? { text } : {}) };
}

export function noticeMessage(pim: Pim, notice: Notice, ctx: RenderContext): Partial<Activity> {
  return cardMessage(noticeCard(pim, notice, ctx), teamsFallbackText(notice, ctx));
}

export function replyMessage(reply: Reply, ctx: RenderContext): Partial<Activity> {
  return cardMessage(teamsReply(reply, ctx), teamsFallbackText(reply, ctx));
}

/** Longest CSV sent inline; Teams caps a message at about 28 KB. */
const CSV_MAX = 20_000;

/** Largest CSV handed over whole as an inline attachment (channels other than Teams: the playground). */
const CSV_ATTACH_MAX = 2_000_000;

/**
 * A file (audit CSV) as plain text: Teams bots cannot attach files to channel messages. With
 * `attach` (a channel other than Teams, such as the playground) the whole file also goes with it
 * as an inline `text/csv` attachment, which the playground offers as a download.
 */
export function fileMessage(filename: string, content: string, attach = false): Partial<Activity> {
  const clipped = content.length > CSV_MAX ? `${content.slice(0, content.lastIndexOf('\n', CSV_MAX) + 1)}…(cut at ${CSV_MAX} characters; narrow it with --since, --user or --role)\n` : content;
  const attachments = attach && content.length <= CSV_ATTACH_MAX ? [{ contentType: 'text/csv', name: filename, content }] : undefined;
  return { type: 'message', textFormat: 'plain', text: `${filename}\n\n${clipped}`, ...(attachments ? { attachments } : {}) };
}

/** Teams' file consent card: the user accepts, Teams makes an upload slot in their OneDrive. */
export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
/** Teams' file card: a file in the user's OneDrive, shown in the chat. */
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

/**
 * What a file consent card carries back on accept: the command that made the file, run again
 * for whoever accepts (authorised and audited as if typed), so the file itself is never stored.
 */
export interface FileConsentContext {
  command: string;
}

/** A file offered in a personal chat (Teams bots send files only there): the consent card. */
export function fileConsentMessage(filename: string, sizeInBytes: number, context: FileConsentContext): Partial<Activity> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: FILE_CONSENT_CARD,
        name: filename,
        content: { description: 'The audit trail as CSV, for the filters you gave.', sizeInBytes, acceptContext: context, declineContext: context },
      },
    ],
  };
}

/** The file card for an uploaded file, as `fileConsent/invoke`'s upload info names it. */
export function fileInfoMessage(upload: { name: string; contentUrl: string; uniqueId: string; fileType: string }): Partial<Activity> {
  return {
    type: 'message',
    attachments: [{ contentType: FILE_INFO_CARD, contentUrl: upload.contentUrl, name: upload.name, content: { uniqueId: upload.uniqueId, fileType: upload.fileType } }],
  };
}
