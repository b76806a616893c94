/** What a chat adapter is to the composition root: routes to mount, a Messenger, start/stop. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Worker } from 'node:worker_threads';
import type { Env } from '../src/config/env.js';
import type { PimConfig } from '../src/config/pim-config.js';
import type { Clock, MessageRef, MessageSubject, Messenger, Pim, Platform } from '../src/core/index.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics.js';

export interface AdapterRoute {
  method?: string;
  /** Exact path, or a prefix ending in `/*`. */
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
}

/** Remembers a key once (Slack retries, double clicks, trigger ids). */
export interface DedupePort {
  /** True for the first caller with this key, false for every later one. */
  claimOnce(key: string, now: Date): Promise<boolean>;
}

/** An acked request, as kept in the inbox: its body and how the platform delivered it. */
export interface InboxEntry {
  body: Record<string, unknown>;
  retryNum?: number;
  retryReason?: string;
}

/**
 * The inbox (src/db/inbox.ts): acked requests kept until handled, so a live replica finishes
 * what a dead one acked. Keys are the dedupe keys, so accepting also drops retries.
 */
export interface InboxPort {
  /** Keeps an acked request; false when its key was seen before (drop it). */
  accept(key: string, entry: InboxEntry, now: Date): Promise<boolean>;
  done(key: string, now: Date): Promise<void>;
  /** Claims unfinished requests of dead nodes, oldest first; `ran`: its change already committed. */
  claimOrphans(limit: number): Promise<{ key: string; body: InboxEntry; receivedAt: Date; ran: boolean; attempts: number }[]>;
}

/** One limit an outbound call is paced against: at most `burst` at once, then one per `intervalMs`. */
export interface PaceLimit {
  /** What is limited, e.g. `slack:chat.postMessage:C0123` (per channel) or `teams:bot`. */
  key: string;
  intervalMs: number;
  burst: number;
  /** The longest this limit lets a call wait for its turn (default: the pacer's own cap). */
  maxWaitMs?: number;
}

/**
 * Paces outbound chat calls across every replica (src/db/rate-limits.ts), so a burst flows at
 * the platform's rate instead of running into its 429s.
 */
export interface PacerPort {
  /**
   * Reserves one call on every limit at the earliest instant all of them allow and says how long
   * to wait for it (0: call now). When that is too far off (past the pacer's cap or a limit's
   * `maxWaitMs`) nothing is reserved (`reserved: false`) and `waitMs` says when to ask again.
   */
  acquire(limits: readonly PaceLimit[], now: Date): Promise<{ waitMs: number; reserved: boolean }>;
}

/**
 * Keeps where a direct answer landed under the subject it is about (src/db/message-refs.ts), so
 * the outbox updates it in place as its request moves, as it does the messages it posted.
 */
export interface MessageRefPort {
  saveRef(subject: MessageSubject, ref: MessageRef): Promise<void>;
}

/** Stores Bot Framework conversation references for proactive messages. */
export interface ConversationStorePort {
  save(platform: Platform, key: string, reference: Record<string, unknown>, at: Date): Promise<void>;
  get(platform: Platform, key: string): Promise<Record<string, unknown> | null>;
}

/** Moves the bot's clock forward: dev mode only (the playground's time control). */
export interface TimeTravel {
  /** Moves the clock forward by `ms`, then wakes the deadline loop and the outbox dispatcher. */
  advance(ms: number): Promise<void>;
  /** Resolves once what came due by now has been processed and its messages delivered (or left to retry). */
  settled(): Promise<void>;
  /** How far the bot's clock is ahead of real time, in ms. */
  offsetMs(): number;
}

/** What an adapter learns once the HTTP server listens. */
export interface ServerInfo {
  /** The bot's own base URL as seen from this process, e.g. `http://127.0.0.1:3000` (no trailing slash). */
  url: string;
}

export interface ChatAdapterDeps {
  pim: Pim;
  env: Env;
  config: PimConfig;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  dedupe: DedupePort;
  /** Acked requests kept until handled (absent: no inbox, as in unit tests). */
  inbox?: InboxPort;
  conversations: ConversationStorePort;
  /** Where direct answers about a request are kept, to be updated in place (absent: they are not). */
  messageRefs?: MessageRefPort;
  /** Paces the Messengers' outbound calls (absent: they send as fast as the dispatcher asks). */
  pacer?: PacerPort;
  mfa: { enroll(principalId: string): Promise<{ secret: string; uri: string }> };
  /** Present when the clock can be moved (dev mode without a clock passed in). */
  timeTravel?: TimeTravel;
  /**
   * Present when Slack requests can be handled on a work thread (PostgreSQL, which the thread
   * reaches over its own connections; see adapters/slack/work-thread): starts one such thread.
   */
  slackWorkThread?: (botIds: { botId: string; botUserId: string } | null) => Worker;
  /** Told the audit actions (and principals) of each transaction committed off this thread (the Slack work thread). */
  onAudited?: (events: readonly { action: string; principal?: unknown }[]) => void;
}

export interface ChatAdapter {
  platform: Platform;
  routes: AdapterRoute[];
  messenger?: Messenger;
  /** Called once the HTTP server listens (the composition root always passes where). */
  start?(server?: ServerInfo): Promise<void>;
  /** Called when the app closes, before it waits for open connections (end long-lived responses here). */
  stop?(): Promise<void>;
}

export type ChatAdapterFactory = (deps: ChatAdapterDeps) => ChatAdapter | Promise<ChatAdapter>;
