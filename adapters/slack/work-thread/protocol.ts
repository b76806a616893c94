/**
 * The messages between the thread that receives Slack's requests (front.ts) and the Slack work
 * thread that handles them (serve.ts, started by src/slack-work-thread.ts). Everything crosses
 * by structured clone: request bodies as Slack sent them, never functions.
 */

/** Main thread -> work thread. */
export type ToWorkThread =
  | {
      type: 'request';
      id: number;
      body: Record<string, unknown>;
      retryNum?: number;
      retryReason?: string;
      /** The front acked already (an empty 200); the listener's own ack() is then a no-op. */
      acked: boolean;
      /** The request's inbox row (src/inbox-context.ts): its change records that it ran. */
      inboxKey?: string;
    }
  /** Finish what is in flight, close the database, then say `stopped`. */
  | { type: 'stop' };

/** Work thread -> main thread. */
export type FromWorkThread =
  /** The work thread has its database and listeners and takes requests. */
  | { type: 'ready' }
  /** It could not start (the database was unreachable, say). */
  | { type: 'failed'; error: string }
  /** A listener acked a request the front had not acked (view submissions): the HTTP response. */
  | { type: 'ack'; id: number; response?: unknown }
  /** A request is fully handled (its answer sent), or its handling failed (`failed`). */
  | { type: 'done'; id: number; failed?: boolean }
  /** A log line (pino JSON), written by the main thread's logger. */
  | { type: 'log'; line: string }
  /** A counter to bump in the main thread's metrics registry (served on /metrics). */
  | { type: 'count'; metric: 'activations' | 'approvals'; labels: { outcome: string } }
  /** A transaction of the work thread committed these audit actions (the alert scan may want to run). */
  | { type: 'audited'; actions: string[] }
  | { type: 'stopped' };

/**
 * Requests the front acks itself, at once, before handing them over: their ack carries no answer
 * (slash commands, button presses, events). Anything else (view submissions, whose ack carries
 * inline errors or the next view) is acked by its listener on the work thread.
 */
export function acksAtOnce(body: Record<string, unknown>): boolean {
  return typeof body.command === 'string' || body.type === 'block_actions' || body.type === 'event_callback';
}
