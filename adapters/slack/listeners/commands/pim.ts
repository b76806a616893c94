/**
 * `/pim …`: acknowledged at once with no body, then the command runs (in its turn, see
 * work-queue.ts) and its answer goes back ephemerally through the command's response URL; when the policy needs more than was typed, the
 * activation modal opens with what was typed pre-filled (trigger ids expire 3 s after the command).
 */
import type { SlashCommand } from '@slack/bolt';
import { slackActivationModal, slackExtensionModal } from '../../../../cards/slack/index.js';
import type { Reply } from '../../../../cards/model.js';
import { USAGE } from '../../../../src/commands/index.js';
import { runCommand, type CommandOutcome } from '../../../shared/commands.js';
import { answer, guarded, type RespondLike, type WebClient } from '../../answer.js';
import { afterAck, firstDelivery, renderContext, type SlackDeps } from '../../deps.js';
import { errorReply } from '../../errors.js';
import { withOrigin } from '../../origin.js';
import { unescapeSlack } from '../../text.js';

export interface PimCommandArgs {
  command: Pick<SlashCommand, 'text' | 'user_id' | 'trigger_id' | 'response_url'>;
  ack: () => Promise<void>;
  respond: RespondLike;
  client: WebClient;
}

/** The longest CSV export shown inline when the upload cannot be made (no `files:write` scope). */
const CSV_INLINE_MAX = 2400;

export async function pimCommand({ command, ack, respond, client }: PimCommandArgs, deps: SlackDeps): Promise<void> {
  await ack();
  await afterAck(deps, async () => {
    if (!(await firstDelivery(deps, 'command', command.trigger_id))) return;
    const origin = { responseUrl: command.response_url };
    const to = { client, slackUserId: command.user_id, origin, respond };
    const tell = (reply: Reply) => answer(deps, to, reply);
    await guarded(deps, '/pim', tell, async () => {
      const who = await deps.identity.resolve(command.user_id);
      if (!who.ok) return tell({ kind: 'error', message: who.message });
      // Answers go through the response URL as ephemeral messages: only the user sees them.
      const outcome = await runCommand(deps.pim, who.actor, unescapeSlack(command.text), { privateReply: true });
      if (outcome.type === 'form' || outcome.type === 'extend_form') {
        const extension = outcome.type === 'extend_form';
        const view = outcome.type === 'form' ? slackActivationModal(outcome.form, renderContext(deps)) : slackExtensionModal(outcome.form, renderContext(deps));
        try {
          await client.views.open({ trigger_id: command.trigger_id, view: withOrigin(view, origin) });
        } catch (err) {
          deps.logger.warn({ err }, `slack: views.open failed for the ${extension ? 'extension' : 'activation'} form`);
          await tell(errorReply(err, extension ? USAGE.extend : USAGE.activate));
        }
        return;
      }
      await tell(outcome.type === 'file' ? await uploadFile(deps, client, command.user_id, outcome) : replyOf(outcome));
      if (outcome.type === 'reply' && outcome.reply.kind === 'activation') deps.metrics.activations.inc({ outcome: outcome.reply.outcome });
    });
  });
}

type FileOutcome = Extract<CommandOutcome, { type: 'file' }>;

function replyOf(outcome: Exclude<CommandOutcome, { type: 'form' | 'extend_form' }>, why = ''): Reply {
  if (outcome.type === 'reply') return outcome.reply;
  const intro = introOf(outcome);
  if (outcome.content.length <= CSV_INLINE_MAX) return { kind: 'text', text: `${intro}${why}\n${outcome.content}` };
  return { kind: 'text', text: `${intro}${why} It is too long for a Slack message (${outcome.content.length} characters): narrow it with --since, --user or --role.` };
}

const introOf = (outcome: FileOutcome) => (outcome.reply.kind === 'text' ? outcome.reply.text : `Audit export ${outcome.filename}.`);

/**
 * An export as a real file in the user's DM with the bot (an ephemeral answer cannot carry one):
 * `files.getUploadURLExternal`, the bytes to its URL, `files.completeUploadExternal` into the DM.
 * The answer says where it went. Without `files:write` (an app installed from an older
 * manifest) or on any other failure, the export is shown inline as before, saying why.
 */
async function uploadFile(deps: SlackDeps, client: WebClient, slackUserId: string, outcome: FileOutcome): Promise<Reply> {
  const intro = introOf(outcome);
  try {
    const opened = await client.conversations.open({ users: slackUserId });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open answered without a channel');
    await client.filesUploadV2({ channel_id: channel, file: Buffer.from(outcome.content, 'utf8'), filename: outcome.filename, title: outcome.filename, initial_comment: intro });
    return { kind: 'text', text: `${intro} The file ${outcome.filename} is in your DM with pimbot.` };
  } catch (err) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    deps.logger.warn({ err }, 'slack: the audit export could not be uploaded as a file; answering inline');
    const why = code === 'missing_scope' ? ' (pimbot cannot upload files: add the files:write scope to the app and reinstall it)' : ' (the file upload failed)';
    return replyOf(outcome, why);
  }
}
