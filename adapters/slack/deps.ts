/** What the Slack listeners need: the core, the clock, dedupe, identity, and where to log and count. */
import type { RenderContext } from '../../cards/model.js';
import type { Clock, Pim } from '../../src/core/index.js';
import { currentInbox } from '../../src/inbox-context.js';
import type { Logger } from '../../src/logger.js';
import type { OutcomeCounters } from '../../src/metrics.js';
import type { DedupePort, MessageRefPort } from '../types.js';
import type { SlackIdentity } from './identity.js';
import type { WorkQueue } from './work-queue.js';

/** The counters the listeners bump (on the work thread they are forwarded to the main registry). */
export type SlackMetrics = OutcomeCounters;

export interface SlackDeps {
  pim: Pim;
  clock: Clock;
  logger: Logger;
  metrics: SlackMetrics;
  dedupe: DedupePort;
  identity: SlackIdentity;
  /** IANA zone times are shown in (PIM_TIMEZONE). */
  timeZone: string;
  /** Where answers about a request are kept, so the outbox updates them (absent: they are not). */
  messageRefs?: MessageRefPort;
  /** Where the work after an ack waits its turn (absent: it runs at once, as in unit tests). */
  work?: WorkQueue;
}

/** Runs what a request does after its ack, through the work queue when there is one. */
export function afterAck<T>(deps: Pick<SlackDeps, 'work'>, work: () => Promise<T>): Promise<T> {
  return deps.work ? deps.work.run(work) : work();
}

/** How times are shown right now. */
export function renderContext(deps: Pick<SlackDeps, 'clock' | 'timeZone'>): RenderContext {
  return { timeZone: deps.timeZone, now: deps.clock.now() };
}

/**
 * True the first time a Slack delivery is seen. Slack retries (`x-slack-retry-num`) and repeated
 * submissions carry the same key (trigger id, event id), so they run once across replicas. No key:
 * nothing to deduplicate by, so it runs.
 */
export async function firstDelivery(deps: Pick<SlackDeps, 'dedupe' | 'clock'>, kind: string, id: string | undefined): Promise<boolean> {
  if (!id) return true;
  const key = deliveryKey(kind, id);
  // Accepted into the inbox under this key before its ack: that was its first delivery.
  if (currentInbox()?.key === key) return true;
  return deps.dedupe.claimOnce(key, deps.clock.now());
}

/** The dedupe (and inbox) key of a Slack delivery. */
export function deliveryKey(kind: 'command' | 'action' | 'view' | 'event' | (string & {}), id: string): string {
  return `slack:${kind}:${id}`;
}
