/**
 * A fake Slack Web API that enforces chat.postMessage limits, for the drain benchmark, in its own
 * thread so it costs the bot's event loop nothing: the test suite's FakeSlack
 * (test/support/fake-slack.ts) with `enforceLimit` workspace-wide and per channel, answering 429
 * with Retry-After above them.
 *
 * workerData: `{ limits: { max, windowMs, perChannel? }[] }` (on chat.postMessage).
 * Messages in: `{ type: 'stats', channel }` -> `{ type: 'stats', ok, limited, okAt, channel: { ok, okAt } }`;
 * `{ type: 'reset' }` (forget every call, keep enforcing) -> `{ type: 'reset' }`; `{ type: 'close' }`.
 * Out at start: `{ type: 'ready', apiUrl }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeSlack, type SlackCall } from '../../test/support/fake-slack.js';

export interface LimitedSlackData {
  limits: { max: number; windowMs: number; perChannel?: boolean }[];
}

/** chat.postMessage calls answered ok, and when the first and the last of them came (epoch ms; null with none). */
export interface Answered {
  ok: number;
  okAt: [number, number] | null;
}

export interface LimitedSlackStats extends Answered {
  type: 'stats';
  /** chat.postMessage calls answered 429. */
  limited: number;
  /** The ok calls to the channel asked about. */
  channel: Answered;
}

const port = parentPort;
if (!port) throw new Error('limited-slack-worker runs as a worker thread');
const { limits } = workerData as LimitedSlackData;

const fake = await FakeSlack.start();
const enforce = () => {
  for (const l of limits) fake.enforceLimit('chat.postMessage', l);
};
enforce();

function answered(calls: SlackCall[]): Answered {
  // Calls are recorded as they arrive, so the first and last are the earliest and latest.
  const first = calls[0];
  const last = calls[calls.length - 1];
  return { ok: calls.length, okAt: first && last ? [first.at, last.at] : null };
}

function stats(channel: string): LimitedSlackStats {
  const posts = fake.callsMade('chat.postMessage');
  const ok = posts.filter((c) => c.ok);
  return {
    type: 'stats',
    ...answered(ok),
    limited: posts.filter((c) => c.status === 429).length,
    channel: answered(ok.filter((c) => c.args.channel === channel)),
  };
}

port.on('message', (m: { type: string; channel?: string }) => {
  if (m.type === 'stats') port.postMessage(stats(m.channel ?? ''));
  else if (m.type === 'reset') {
    fake.reset();
    enforce();
    port.postMessage({ type: 'reset' });
  } else if (m.type === 'close') {
    void fake.close().then(() => port.close());
  }
});
port.postMessage({ type: 'ready', apiUrl: fake.apiUrl });
