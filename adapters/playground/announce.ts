/**
 * At start the playground tells the bot it was installed, the way Teams does: a
 * `conversationUpdate` (bot added) for each channel and an `installationUpdate` for each person's
 * 1:1 chat, posted to our own `/api/messages` with the emulator as `serviceUrl`. The Teams adapter
 * then holds a reference for every conversation and the service URL, so proactive messages
 * (approval cards, DMs, expiry notices) reach the playground from the first moment.
 */
import type { Logger } from '../../src/logger.js';
import { MESSAGES_PATH, PLAYGROUND_BOT, PLAYGROUND_CHANNEL_ID, PLAYGROUND_TENANT, type PlaygroundUser, type World } from './world.js';

const common = (serviceUrl: string, from: PlaygroundUser) => ({
  channelId: PLAYGROUND_CHANNEL_ID,
  serviceUrl,
  from: { id: from.accountId, name: from.name, aadObjectId: from.aadObjectId },
  recipient: PLAYGROUND_BOT,
  channelData: { tenant: { id: PLAYGROUND_TENANT } },
  locale: 'en-US',
});

/** The install activities for every place and person of the world. */
export function installActivities(world: World, serviceUrl: string, now: Date): Record<string, unknown>[] {
  const installer = world.users.find((u) => u.duty === 'admin') ?? world.users[0];
  if (!installer) return [];
  const timestamp = now.toISOString();
  const channels = world.places.map((p) => ({
    ...common(serviceUrl, installer),
    type: 'conversationUpdate',
    id: `pg-install-${p.key}`,
    timestamp,
    membersAdded: [PLAYGROUND_BOT],
    conversation: { id: p.conversationId, conversationType: 'channel', isGroup: true, name: p.label, tenantId: PLAYGROUND_TENANT },
    channelData: { tenant: { id: PLAYGROUND_TENANT }, channel: { id: p.conversationId, name: p.label }, team: { id: p.conversationId } },
  }));
  const chats = world.users.map((u) => ({
    ...common(serviceUrl, u),
    type: 'installationUpdate',
    action: 'add',
    id: `pg-install-${u.aadObjectId}`,
    timestamp,
    conversation: { id: u.conversationId, conversationType: 'personal', tenantId: PLAYGROUND_TENANT },
  }));
  return [...channels, ...chats];
}

/** Posts the install activities; a failure is logged (the playground still works for replies). */
export async function announce(baseUrl: string, activities: Record<string, unknown>[], logger: Logger): Promise<number> {
  let failed = 0;
  for (const activity of activities) {
    try {
      const res = await fetch(`${baseUrl}${MESSAGES_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      failed++;
      logger.warn({ err, conversation: (activity.conversation as { id?: string }).id }, 'playground: the bot did not take an install activity');
    }
  }
  return failed;
}
