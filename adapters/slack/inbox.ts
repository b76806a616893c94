/**
 * The Slack side of the inbox (src/db/inbox.ts): what Slack's ack promises survives `kill -9`.
 *
 * `InboxGate` sits between Bolt's receiver and whatever handles requests (the work thread's
 * front, or the Bolt app itself). A request the receiver acks at once (slash commands, button
 * presses, events) is written to the inbox under its dedupe key before it can be acked, then
 * handled as before, as that row's work (src/inbox-context.ts), and marked done. A retry or a
 * double click finds the key taken and is only acked. View submissions are not kept: their ack
 * carries the answer, so a crash before it leaves Slack showing the user an error, and nothing
 * was promised.
 *
 * `InboxRecovery` runs on every replica: it claims the unfinished requests of dead nodes
 * (src/db/nodes.ts) and finishes them. One whose change never committed is run again through
 * the same listeners, as if it had just arrived; one whose change committed (`ran`) is not run
 * again, and its user is told it went through, since its answer may not have gone out.
 */
import type { ReceiverEvent } from '@slack/bolt';
import { runForInbox } from '../../src/inbox-context.js';
import type { Clock } from '../../src/core/index.js';
import type { Logger } from '../../src/logger.js';
import type { InboxEntry, InboxPort } from '../types.js';
import { deliveryKey } from './deps.js';
import { acksAtOnce } from './work-thread/protocol.js';

/** What handles a request: the Bolt app, or the work thread's front. */
export interface RequestHandler {
  processEvent(event: ReceiverEvent): Promise<void>;
}

/** The inbox key of a request acked at once; null when it has none (nothing to keep it by). */
export function inboxKeyOf(body: Record<string, unknown>): string | null {
  if (!acksAtOnce(body)) return null;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  if (typeof body.command === 'string') {
    const id = text(body.trigger_id);
    return id ? deliveryKey('command', id) : null;
  }
  if (body.type === 'block_actions') {
    const first = Array.isArray(body.actions) ? (body.actions[0] as Record<string, unknown> | undefined) : undefined;
    const id = text(body.trigger_id) ?? text(first?.action_ts);
    return id ? deliveryKey('action', id) : null;
  }
  const id = text(body.event_id);
  return id ? deliveryKey('event', id) : null;
}

function entryOf(event: ReceiverEvent): InboxEntry {
  return {
    body: event.body,
    ...(event.retryNum !== undefined ? { retryNum: event.retryNum } : {}),
    ...(event.retryReason ? { retryReason: event.retryReason } : {}),
  };
}

export interface InboxGateOptions {
  inbox: InboxPort;
  next: RequestHandler;
  clock: Clock;
  logger: Logger;
}

export class InboxGate implements RequestHandler {
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly o: InboxGateOptions) {}

  /** Resolves when every request received so far is handled and settled in the inbox. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async processEvent(event: ReceiverEvent): Promise<void> {
    const work = this.handle(event);
    this.inflight.add(work);
    try {
      await work;
    } finally {
      this.inflight.delete(work);
    }
  }

  private async handle(event: ReceiverEvent): Promise<void> {
    const key = inboxKeyOf(event.body);
    if (!key) return this.o.next.processEvent(event);
    let accepted: boolean;
    try {
      accepted = await this.o.inbox.accept(key, entryOf(event), this.o.clock.now());
    } catch (err) {
      // The database is not answering: handle it anyway (its dedupe will say what it can), but
      // this one would not survive a crash.
      this.o.logger.error({ err, key }, 'slack: could not keep an acked request in the inbox; handling it without that guarantee');
      return this.o.next.processEvent(event);
    }
    if (!accepted) {
      // A retry or a repeat: its first delivery is handled (or owed) under the same key.
      await event.ack();
      return;
    }
    try {
      await runForInbox(key, () => this.o.next.processEvent(event));
    } finally {
      await settle(this.o, key);
    }
  }
}

async function settle(o: { inbox: InboxPort; clock: Clock; logger: Logger }, key: string): Promise<void> {
  try {
    await o.inbox.done(key, o.clock.now());
  } catch (err) {
    // Left owed: when this node dies, a replica sees it ran (if it changed anything) and says so.
    o.logger.warn({ err, key }, 'slack: could not mark an inbox request done');
  }
}

export interface InboxRecoveryOptions {
  inbox: InboxPort;
  /** Where a request is run again (the gate's next handler: the same listeners). */
  next: RequestHandler;
  clock: Clock;
  logger: Logger;
  /** Tells the user behind a response URL that their request went through before a crash. */
  tellWentThrough: (responseUrl: string) => Promise<void>;
  /** How often dead nodes' requests are looked for (default 1 s). */
  everyMs?: number;
  /**
   * Older requests are not run any more (default 30 min, as long as Slack keeps a response URL
   * valid): their user can no longer be answered, and a change nobody is waiting for surprises.
   */
  maxAgeMs?: number;
}

/** Finishes, on this replica, the acked requests a dead one left. */
export class InboxRecovery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly o: InboxRecoveryOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves when no takeover is in progress. */
  async idle(): Promise<void> {
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: unknown) => this.o.logger.error({ err }, 'slack: could not take over requests from the inbox; will retry'))
        .then(() => {
          this.running = null;
          this.schedule(this.o.everyMs ?? 1_000);
        });
    }, ms);
    this.timer.unref();
  }

  /** Claims and finishes one batch; returns how many requests it took over. */
  async runOnce(): Promise<number> {
    const orphans = await this.o.inbox.claimOrphans(50);
    if (orphans.length === 0) return 0;
    this.o.logger.warn({ requests: orphans.length }, `slack: taking over ${orphans.length} acked requests a stopped replica left unfinished`);
    await Promise.all(orphans.map((r) => this.finish(r)));
    return orphans.length;
  }

  private async finish(r: Awaited<ReturnType<InboxPort['claimOrphans']>>[number]): Promise<void> {
    const age = this.o.clock.now().getTime() - r.receivedAt.getTime();
    const responseUrl = typeof r.body.body.response_url === 'string' ? r.body.body.response_url : null;
    try {
      if (age > (this.o.maxAgeMs ?? 30 * 60_000)) {
        this.o.logger.error({ key: r.key, ageMs: age, ran: r.ran }, 'slack: an acked request waited too long for a live replica and is dropped: its user can no longer be answered');
      } else if (r.ran) {
        if (responseUrl) await this.o.tellWentThrough(responseUrl);
      } else {
        const event: ReceiverEvent = {
          body: r.body.body,
          ...(r.body.retryNum !== undefined ? { retryNum: r.body.retryNum } : {}),
          ...(r.body.retryReason ? { retryReason: r.body.retryReason } : {}),
          customProperties: {},
          // Slack was answered long ago, by the replica that died.
          ack: async () => {},
        };
        await runForInbox(r.key, () => this.o.next.processEvent(event));
      }
    } catch (err) {
      this.o.logger.error({ err, key: r.key }, 'slack: a request taken over from the inbox failed');
    } finally {
      await settle(this.o, r.key);
    }
  }
}
