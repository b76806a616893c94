/**
 * What the bot process does with a promise rejection nobody handled. Node's default is to crash,
 * and a library can leave one behind on bad input: Bolt's receiver reads a signed JSON `null`
 * body in a promise it never awaits, and that alone took every replica down, with every request
 * in flight. A rejection is not an exception thrown through our own stack: the request it
 * belonged to is lost (its client times out) but the process's state is intact, so pimbot logs
 * it at error level and keeps serving. Uncaught exceptions keep Node's default (exit): state
 * after one can be anything.
 */
import type { Logger } from './logger.js';

/** The part of `process` this needs (a test passes an EventEmitter). */
export interface ProcessEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export function keepServingOnUnhandledRejection(proc: ProcessEvents, logger: Logger): void {
  proc.on('unhandledRejection', (reason) => {
    logger.error(
      { err: reason },
      'unhandled promise rejection (a bug in pimbot or a library it uses); pimbot keeps serving, but whatever that promise belonged to did not finish',
    );
  });
}
