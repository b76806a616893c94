/**
 * A typed command (`pim activate Owner 1h`, `@pimbot roles`): resolve the sender, run it with the
 * shared runner, answer in the same conversation with a card (or the activation form).
 */
import type { TurnContext } from 'botbuilder';
import { teamsActivationForm, teamsExtensionForm, teamsFallbackText } from '../../../cards/teams/index.js';
import { runCommand } from '../../shared/commands.js';
import { commandText, mentionedUsers } from '../activity.js';
import { principalIdOf, renderFor, resolveSender, type TeamsDeps } from '../context.js';
import { cardMessage, fileConsentMessage, fileMessage, replyMessage } from '../render.js';

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
    case 'reply':
      await ctx.sendActivity(replyMessage(outcome.reply, rc));
      return;
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
      // A personal chat can take a real file (consent card, then the user's OneDrive); elsewhere it is text.
      if (privateReply) {
        const command = commandText(ctx.activity);
        await ctx.sendActivities([replyMessage(outcome.reply, rc), fileConsentMessage(outcome.filename, Buffer.byteLength(outcome.content), { command })]);
      } else {
        await ctx.sendActivities([replyMessage(outcome.reply, rc), fileMessage(outcome.filename, outcome.content)]);
      }
      return;
  }
}
