/** An unhandled rejection is logged and the process keeps running (src/process-handlers.ts). */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { keepServingOnUnhandledRejection } from '../../../src/process-handlers.js';

describe('keepServingOnUnhandledRejection', () => {
  it('logs the rejection at error level with its error', () => {
    const lines: { level: number; msg: string; err?: { message: string } }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const proc = new EventEmitter();
    keepServingOnUnhandledRejection(proc, logger);
    proc.emit('unhandledRejection', new Error('Cannot read properties of null (reading ssl_check)'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, err: { message: 'Cannot read properties of null (reading ssl_check)' } });
    expect(lines[0]?.msg).toMatch(/^unhandled promise rejection .*pimbot keeps serving/);
  });
});
