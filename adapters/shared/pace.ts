/**
 * How a Messenger waits for its turn before an outbound call (the pacer is shared by every
 * replica, see PacerPort): a short wait is slept here, holding the dispatcher's worker; a longer
 * one is handed back to the outbox as a rate limit, so the row is deferred without counting an
 * attempt and the worker moves on.
 *
 * A call is paced in stages, narrowest scope first: one channel's limits, then the workspace's.
 * Taken together, a backlogged channel's slot, seconds ahead, would be reserved on the workspace
 * too, and everything behind it would wait for that channel's pace (measured with
 * bench/slack-drain.ts: 32 instead of 43 messages a second). Workspace slots are taken only once
 * the channel's turn has come, so they stay in step with the sends. A limit can let a call wait
 * less than the pacer's cap (`maxWaitMs`), so a backlogged conversation does not keep every
 * worker asleep. A later stage refused after an earlier one reserved loses that earlier slot (a
 * slot others may be queued behind cannot be given back): the broad stage is only refused when
 * more calls are in line for it than its cap covers, and a lost slot only ever makes the pace
 * slower, never faster.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Clock, DeliveryError } from '../../src/core/index.js';
import type { PaceLimit, PacerPort } from '../types.js';

/** A limit before it is given its key. */
export type Rate = Omit<PaceLimit, 'key'>;

/** `rate` on `key`. */
export const limitOn = (key: string, rate: Rate): PaceLimit => ({ key, ...rate });

/** What one call is paced against: stages of limits, narrowest scope first. */
export type Turns = readonly (readonly PaceLimit[])[];

/**
 * Waits until every stage of `turns` allows one more call (no pacer: at once). Throws a
 * rate-limited DeliveryError, retry after the stage's wait, when a stage's turn is too far off
 * for the pacer to reserve it.
 */
export async function awaitTurn(pacer: PacerPort | undefined, turns: Turns, clock: Clock, what: string): Promise<void> {
  if (!pacer) return;
  for (const limits of turns) {
    const { waitMs, reserved } = await pacer.acquire(limits, clock.now());
    if (!reserved) throw DeliveryError.rateLimited(`paced: ${what} has no turn for ${waitMs} ms`, waitMs);
    if (waitMs > 0) await sleep(waitMs);
  }
}
