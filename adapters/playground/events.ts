/**
 * `GET /playground/events`: Server-Sent Events to the browser. A stream opens with a `snapshot`
 * (every conversation and the bot's clock), then carries each `message`, `update` and `delete`
 * of the conversation log and each `clock` change, so proactive messages appear as they are sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../src/server.js';
import type { ConversationLog, LogEvent } from './log.js';

export interface ClockState {
  /** The bot's time (ISO). */
  now: string;
  /** How far it is ahead of real time. */
  offsetMs: number;
  /** False when the clock cannot be moved (a clock was passed to the app). */
  canTravel: boolean;
}

export interface EventStreamOptions {
  log: ConversationLog;
  clock: () => ClockState;
  /** Streams open at once (default 32): browsers reconnect, a leak should not pile up. */
  maxClients?: number;
  /** A comment line this often keeps proxies and the browser from timing the stream out. */
  heartbeatMs?: number;
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class EventStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly o: EventStreamOptions) {
    this.unsubscribe = o.log.subscribe((e: LogEvent) => this.broadcast(e.type, e.type === 'delete' ? { conversationId: e.conversationId, id: e.id } : e.message));
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), o.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.closed) return sendJson(res, 503, { error: 'the bot is stopping' });
    if (this.clients.size >= (this.o.maxClients ?? 32)) return sendJson(res, 503, { error: 'too many playground tabs are open' });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // The socket closes with the stream, so ending streams lets the server close at once.
      connection: 'close',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 1000\n\n');
    res.write(frame('snapshot', { conversations: this.o.log.snapshot(), clock: this.o.clock() }));
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.once('close', drop);
    res.once('close', drop);
  };

  broadcast(event: string, data: unknown): void {
    this.write(frame(event, data));
  }

  /** Ends every stream and refuses new ones (the app is closing). */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (!res.writableEnded) res.write(chunk);
    }
  }
}
