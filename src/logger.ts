/** JSON logs (pino). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    base: { service: 'pimbot' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.token', '*.secret', '*.password', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
  });
}
