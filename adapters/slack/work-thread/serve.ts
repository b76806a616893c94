/**
 * The work-thread side: takes the requests the front hands over and runs them through a Bolt app
 * whose receiver is this message port (the listeners are the ones the main thread would run).
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { MessagePort } from 'node:worker_threads';
import { runForInbox } from '../../../src/inbox-context.js';
import type { Logger } from '../../../src/logger.js';
import type { FromWorkThread, ToWorkThread } from './protocol.js';

/** A Bolt receiver fed by the front through the work thread's message port. */
export class ThreadReceiver implements Receiver {
  private app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  handle(event: ReceiverEvent): Promise<void> {
    if (!this.app) return Promise.reject(new Error('ThreadReceiver: no Bolt app'));
    return this.app.processEvent(event);
  }
}

export interface ServeOptions {
  receiver: ThreadReceiver;
  logger: Logger;
  /** Resolves when every request taken so far is fully handled. */
  idle: () => Promise<void>;
  /** Releases what the thread holds (its database connections). */
  close: () => Promise<void>;
  /**
   * Marks an inbox request done, here, the moment its listener finished: a crash after its
   * answer went out then repeats as few answers as possible (the main thread may be busy acking).
   */
  done?: (inboxKey: string) => Promise<void>;
}

/** Serves requests from `port` until the front says `stop`. */
export function serveRequests(port: MessagePort, o: ServeOptions): void {
  const send = (m: FromWorkThread) => port.postMessage(m);
  const handle = async (m: Extract<ToWorkThread, { type: 'request' }>) => {
    let acked = m.acked;
    const event: ReceiverEvent = {
      body: m.body,
      ...(m.retryNum !== undefined ? { retryNum: m.retryNum } : {}),
      ...(m.retryReason !== undefined ? { retryReason: m.retryReason } : {}),
      customProperties: {},
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        send({ type: 'ack', id: m.id, response });
      },
    };
    let failed = false;
    try {
      await (m.inboxKey ? runForInbox(m.inboxKey, () => o.receiver.handle(event)) : o.receiver.handle(event));
    } catch (err) {
      failed = true;
      o.logger.error({ err }, 'slack: a request failed on the work thread');
    }
    if (m.inboxKey && o.done) {
      try {
        await o.done(m.inboxKey);
      } catch (err) {
        // The front marks it done too, once it hears `done`.
        o.logger.warn({ err, key: m.inboxKey }, 'slack: could not mark an inbox request done on the work thread');
      }
    }
    send({ type: 'done', id: m.id, ...(failed ? { failed } : {}) });
  };
  const stop = async () => {
    try {
      await o.idle();
      await o.close();
    } catch (err) {
      o.logger.error({ err }, 'slack: the work thread did not stop cleanly');
    }
    send({ type: 'stopped' });
    port.close();
  };
  port.on('message', (m: ToWorkThread) => {
    if (m.type === 'request') void handle(m);
    else if (m.type === 'stop') void stop();
  });
}
