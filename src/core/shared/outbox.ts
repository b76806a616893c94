/** Queuing notices: written to the outbox in the caller's transaction, delivered after commit. */
import type { Notice } from '../notices.js';
import type { Recipient, UnitOfWork } from '../ports.js';
import type { Policy } from '../types.js';
import type { PimDeps } from './deps.js';

/** Queues a notice to one recipient on every platform (the dispatcher skips unreachable ones). */
export async function sendTo(deps: PimDeps, uow: UnitOfWork, to: Recipient, key: string, notice: Notice, subject?: string): Promise<void> {
  const who = to.kind === 'user' ? `u:${to.principalId}` : `c:${to.channel}`;
  for (const platform of deps.platforms()) {
    await uow.outbox.enqueue(`msg:${key}:${who}:${platform}`, { type: 'message', platform, to, notice, ...(subject ? { subject } : {}) });
  }
}

/** Tells the channels a policy's `notify` names for `event` (those that exist in the config). */
export async function notifyChannels(deps: PimDeps, uow: UnitOfWork, policy: Policy, event: keyof Policy['notify'], key: string, notice: Notice): Promise<void> {
  for (const channel of policy.notify[event] ?? []) {
    if (deps.channels.includes(channel)) await sendTo(deps, uow, { kind: 'channel', channel }, `${key}:${event}`, notice);
  }
}
