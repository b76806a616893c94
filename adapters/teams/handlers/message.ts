/**
 * A typed command (`pim activate Owner 1h`, `@pimbot roles`): resolve the sender, run it with the
 * shared runner, answer in the same conversation with a card (or the activation form).
 */
import { TurnContext } from 'botbuilder';
import type { Reply } from '../../../cards/model.js';
import { requestMessageSubject } from '../../shared/request-message.js';
import { teamsActivationForm, teamsExtensionForm, teamsFallbackText } from '../../../cards/teams/index.js';
import { runCommand } from '../../shared/commands.js';
import { commandText, mentionedUsers } from '../activity.js';
import { principalIdOf, renderFor, resolveSender, type TeamsDeps } from '../context.js';
import { cardMessage, fileConsentMessage, fileMessage, replyMessage } from '../render.js';

/**
 * Keeps where an answer about a request landed (its activity), so the outbox updates it as the
 * request moves: its Cancel button goes once decided. Not kept, it only stays as it was.
 */
export async function keepAnswer(deps: TeamsDeps, ctx: TurnContext, reply: Reply, activityId: string | undefined): Promise<void> {
  const subject = requestMessageSubject(reply);
  const conversation = ctx.activity.conversation?.id;
  if (!subject || !activityId || !conversation || !deps.messageRefs) return;
  const { activityId: _drop, ...reference } = TurnContext.getConversationReference(ctx.activity);
  try {
    await deps.messageRefs.saveRef(subject, { platform: 'teams', conversation, messageId: activityId, extra: { reference } });
  } catch (err) {
    deps.logger.warn({ err, subject }, 'teams: could not keep where an answer about a request went; it will not be updated');
  }
}

export async function handleMessage(deps: TeamsDeps, ctx: TurnContext): Promise<void> {
  const rc = renderFor(deps);
  const sender = resolveSender(deps, ctx.activity);
  if (!sender.ok) {
    await ctx.sendActivity(replyMessage({ kind: 'error', message: sender.message }, rc));
    return;
  }
  const mentions = mentionedUsers(ctx.activity, (aad) => principalIdOf(deps, aad));
  // A personal chat is the only Teams conversation whose answers nobody else reads.
  const privateReply = ctx.activity.conversation?.conversationType === 'personal';
  const outcome = await runCommand(deps.pim, sender.actor, commandText(ctx.activity), { mentions, privateReply });
  switch (outcome.type) {
    case 'reply': {
      const sent = await ctx.sendActivity(replyMessage(outcome.reply, rc));
      await keepAnswer(deps, ctx, outcome.reply, sent?.id);
      return;
    }
    case 'form': {
      const text = teamsFallbackText({ kind: 'text', text: `Activate ${outcome.form.role}: fill in the form` }, rc);
      await ctx.sendActivity(cardMessage(teamsActivationForm(outcome.form, rc), text));
      return;
    }
    case 'extend_form': {
      const text = teamsFallbackText({ kind: 'text', text: `Extend ${outcome.form.role}: fill in the form` }, rc);
      await ctx.sendActivity(cardMessage(teamsExtensionForm(outcome.form, rc), text));
      return;
    }
    case 'file':
      // A Teams personal chat can take a real file (consent card, then the user's OneDrive); a Teams
      // channel gets text; off Teams (the playground) the file goes with the message, to be downloaded.
      if (privateReply && ctx.activity.channelId === 'msteams') {
        const command = commandText(ctx.activity);
        await ctx.sendActivities([replyMessage(outcome.reply, rc), fileConsentMessage(outcome.filename, Buffer.byteLength(outcome.content), { command })]);
      } else {
        await ctx.sendActivities([replyMessage(outcome.reply, rc), fileMessage(outcome.filename, outcome.content, ctx.activity.channelId !== 'msteams')]);
      }
      return;
  }
}
