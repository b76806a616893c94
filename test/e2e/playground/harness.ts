/**
 * Starts the real bot in-process as `npm start` does on a fresh machine (dev mode, the demo
 * config, default adapters: Teams and the playground) on a test database, and reads the
 * playground's event stream the way the page does.
 */
import { startApp, type AppHandle } from '../../../src/app.js';
import { loadEnv } from '../../../src/config/env.js';
import { loadDemoConfig } from '../../../src/config/pim-config.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

export interface Playground {
  app: AppHandle;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function startPlayground(env: Record<string, string> = {}): Promise<Playground> {
  const database = await testDatabase();
  const app = await startApp({
    env: loadEnv({ PIM_DEV_MODE: 'true', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env }),
    config: await loadDemoConfig(),
    database,
    port: 0,
    // Alert cards would mix with the messages the tests count.
    alertScans: false,
  });
  return {
    app,
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export interface StreamEvent {
  event: string;
  data: any;
}

export interface EventReader {
  /** Every event received so far, in order. */
  readonly events: StreamEvent[];
  /** Waits for an event matching `match` (already received or coming); throws listing what came on timeout. */
  next(match: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
}

/** Opens `/playground/events` and parses its Server-Sent Events. */
export async function openEvents(baseUrl: string): Promise<EventReader> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/playground/events`, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new Error(`event stream answered HTTP ${res.status}`);
  const events: StreamEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    async next(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(match);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms; received:\n  ${events.map((e) => `${e.event} ${JSON.stringify(e.data).slice(0, 160)}`).join('\n  ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => abort.abort(),
  };
}

/** All TextBlock and FactSet text of a message's cards, for "what a person sees" assertions. */
export function messageText(message: any): string {
  const out: string[] = message?.text ? [message.text] : [];
  const visit = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    if (node.type === 'TextBlock' && typeof node.text === 'string') out.push(node.text);
    if (node.type === 'FactSet') for (const f of node.facts ?? []) out.push(`${f.title}: ${f.value}`);
    for (const [k, v] of Object.entries(node)) if (k !== 'refresh') visit(v);
  };
  for (const a of message?.attachments ?? []) visit(a.content);
  return out.join('\n');
}
