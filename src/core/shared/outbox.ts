/** Queuing notices: written to the outbox in the caller's transaction, delivered after commit. */
import { outboxKeys, type ChannelNoticeKey, type MessageSubject, type NoticeKey } from '../keys.js';
import type { Notice } from '../notices.js';
import type { Recipient, UnitOfWork } from '../ports.js';
import type { Actor, Policy } from '../types.js';
import type { PimDeps } from './deps.js';

/** Queues a notice to one recipient on every platform (the dispatcher skips unreachable ones). */
export async function sendTo(deps: PimDeps, uow: UnitOfWork, to: Recipient, key: NoticeKey | ChannelNoticeKey, notice: Notice, subject?: MessageSubject): Promise<void> {
  for (const platform of deps.platforms()) {
    await uow.outbox.enqueue(outboxKeys.message(key, to, platform), { type: 'message', platform, to, notice, ...(subject ? { subject } : {}) });
  }
}

/**
 * True when the actor typed or pressed in a chat: its direct answer there is the person's message
 * about what they asked for (the adapter keeps it under `pending:<id>` and it is updated in
 * place), so no second DM repeats it. From the CLI a DM is the only message they get.
 */
export function answeredInChat(actor: Actor): boolean {
  return actor.platform !== 'cli' && actor.platform !== 'system';
}

/** Tells the channels a policy's `notify` names for `event` (those that exist in the config). */
export async function notifyChannels(deps: PimDeps, uow: UnitOfWork, policy: Policy, event: keyof Policy['notify'], key: NoticeKey, notice: Notice): Promise<void> {
  for (const channel of policy.notify[event] ?? []) {
    if (deps.channels.includes(channel)) await sendTo(deps, uow, { kind: 'channel', channel }, `${key}:${event}`, notice);
  }
}
