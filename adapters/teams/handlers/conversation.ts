/**
 * Remembers where the bot can post later: the conversation of every message and card action,
 * and the chat or team it was just installed in (`conversationUpdate`, `installationUpdate`).
 */
import type { Activity } from 'botbuilder';
import { senderAadId } from '../activity.js';
import { principalIdOf, type TeamsDeps } from '../context.js';

/** True when the activity says the bot was removed from the conversation. */
function isRemoval(activity: Partial<Activity>): boolean {
  if (activity.type === 'installationUpdate') return typeof activity.action === 'string' && activity.action.startsWith('remove');
  const botId = activity.recipient?.id;
  return activity.type === 'conversationUpdate' && botId !== undefined && (activity.membersRemoved ?? []).some((m) => m.id === botId);
}

export async function rememberConversation(deps: TeamsDeps, activity: Partial<Activity>): Promise<void> {
  if (isRemoval(activity)) return;
  const aad = senderAadId(activity);
  await deps.references.remember(activity, aad ? principalIdOf(deps, aad) : null);
}
