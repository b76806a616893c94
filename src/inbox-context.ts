/**
 * Which acked request (an inbox row, src/db/inbox.ts) the code running now works for. The chat
 * adapter sets it around a request's listeners; the store reads it so the transaction that makes
 * the request's change also records that it ran (`ran_at`), in the same commit. A replica that
 * takes over a dead one's inbox then knows, without guessing, whether the change was made.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface InboxContext {
  /** The inbox row's key (the request's dedupe key, e.g. `slack:command:<trigger id>`). */
  key: string;
}

const context = new AsyncLocalStorage<InboxContext>();

/** Runs `fn` as the work of inbox row `key`. */
export function runForInbox<T>(key: string, fn: () => T): T {
  return context.run({ key }, fn);
}

/** The inbox row the current code works for, if any. */
export function currentInbox(): InboxContext | undefined {
  return context.getStore();
}
