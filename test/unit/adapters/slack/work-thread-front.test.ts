/**
 * The front of the Slack work thread, against a fake thread: it acks what needs no answer at once,
 * hands requests over, relays the thread's acks, logs and counts, settles what a crash cut off,
 * falls back to the local Bolt app while the thread is down, restarts it, and stops it.
 */
import type { ReceiverEvent } from '@slack/bolt';
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { relayLog, WorkThreadFront, type WorkThreadFrontOptions } from '../../../../adapters/slack/work-thread/front.js';
import type { FromWorkThread, ToWorkThread } from '../../../../adapters/slack/work-thread/protocol.js';
import type { Logger } from '../../../../src/logger.js';

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stands in for a worker_threads Worker: records what is posted to it; the test speaks for the thread. */
class FakeWorker extends EventEmitter {
  readonly posted: ToWorkThread[] = [];
  private ending = false;
  readonly postMessage = vi.fn((m: ToWorkThread) => {
    this.posted.push(m);
  });
  readonly terminate = vi.fn(async () => {
    if (!this.ending) {
      this.ending = true;
      setImmediate(() => this.emit('exit', 1));
    }
    return 1;
  });

  /** A message from the thread. */
  say(m: FromWorkThread): void {
    this.emit('message', m);
  }

  /** The thread ends on its own. */
  exit(code: number): void {
    this.ending = true;
    this.emit('exit', code);
  }

  requests(): Extract<ToWorkThread, { type: 'request' }>[] {
    return this.posted.filter((m): m is Extract<ToWorkThread, { type: 'request' }> => m.type === 'request');
  }
}

function fakeLogger() {
  return { trace: vi.fn(), debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), fatal: vi.fn() };
}

function setup(options: Partial<WorkThreadFrontOptions> = {}) {
  const workers: FakeWorker[] = [];
  const local = { processEvent: vi.fn(async (_event: ReceiverEvent) => {}) };
  const logger = fakeLogger();
  const metrics = { activations: { inc: vi.fn() }, approvals: { inc: vi.fn() } };
  const tellCutOff = vi.fn(async (_responseUrl: string) => {});
  const spawn = vi.fn(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  const front = new WorkThreadFront({
    spawn,
    local,
    logger: logger as unknown as Logger,
    metrics,
    tellCutOff,
    startTimeoutMs: 2_000,
    restartDelaysMs: [20],
    stopTimeoutMs: 2_000,
    ...options,
  });
  const worker = (i: number): FakeWorker => {
    const w = workers[i];
    if (!w) throw new Error(`no worker ${i} (spawned ${workers.length})`);
    return w;
  };
  /** Starts the front and has its first thread say `ready`. */
  const startReady = async () => {
    const started = front.start();
    worker(workers.length - 1).say({ type: 'ready' });
    await started;
    return worker(workers.length - 1);
  };
  return { front, workers, worker, local, logger, metrics, tellCutOff, spawn, startReady };
}

function event(body: Record<string, unknown>, extra: Partial<Omit<ReceiverEvent, 'body' | 'ack'>> = {}) {
  const ack = vi.fn(async (_response?: unknown) => {});
  return { body, ack, ...extra } satisfies ReceiverEvent;
}

const slash = (n = 1) => ({ command: '/pim', text: 'roles', response_url: `https://hooks.example/r${n}`, trigger_id: `t${n}` });
const blockActions = (n = 2) => ({ type: 'block_actions', response_url: `https://hooks.example/r${n}`, actions: [{ action_id: 'approve' }] });
const viewSubmission = () => ({ type: 'view_submission', view: { id: 'V1', callback_id: 'activate', state: { values: {} } } });
const eventCallback = () => ({ type: 'event_callback', event: { type: 'app_home_opened', user: 'U1' } });

describe('relayLog', () => {
  it('writes a pino line at its level, with its message and fields (not time, pid, hostname)', () => {
    const logger = fakeLogger();
    relayLog(logger as unknown as Logger, '{"level":40,"time":1,"pid":1,"hostname":"h","thread":"slack-work","msg":"hello","x":1}');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith({ thread: 'slack-work', x: 1 }, 'hello');
    for (const name of ['trace', 'debug', 'info', 'error', 'fatal'] as const) expect(logger[name]).not.toHaveBeenCalled();
  });

  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'fatal'],
  ] as const)('maps pino level %i to %s', (level, name) => {
    const logger = fakeLogger();
    relayLog(logger as unknown as Logger, JSON.stringify({ level, time: 5, msg: 'm', n: level }));
    expect(logger[name]).toHaveBeenCalledWith({ n: level }, 'm');
  });

  it('writes an unknown level as info, and a line without a message with an empty one', () => {
    const logger = fakeLogger();
    relayLog(logger as unknown as Logger, '{"level":35,"a":"b"}');
    relayLog(logger as unknown as Logger, '{"level":50,"msg":42,"err":{"message":"boom"}}');
    expect(logger.info).toHaveBeenCalledWith({ a: 'b' }, '');
    expect(logger.error).toHaveBeenCalledWith({ err: { message: 'boom' } }, '');
  });

  it('logs an unreadable line as a warning, cut to 2000 characters', () => {
    const logger = fakeLogger();
    relayLog(logger as unknown as Logger, 'not json {');
    expect(logger.warn).toHaveBeenCalledWith({ line: 'not json {' }, 'slack work thread: an unreadable log line');
    const long = `{${'x'.repeat(5000)}`;
    relayLog(logger as unknown as Logger, long);
    expect(logger.warn).toHaveBeenLastCalledWith({ line: long.slice(0, 2000) }, 'slack work thread: an unreadable log line');
    expect(logger.info).not.toHaveBeenCalled();
  });

  it.each(['null', '"text"', '[1,2]', '42'])('logs a line that is JSON but not an object (%s) as unreadable', (line) => {
    const logger = fakeLogger();
    relayLog(logger as unknown as Logger, line);
    expect(logger.warn).toHaveBeenCalledWith({ line }, 'slack work thread: an unreadable log line');
    expect(logger.info).not.toHaveBeenCalled();
  });

  it('goes out through a real pino logger as one line in its format', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info', base: { service: 'pimbot' } }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    relayLog(logger, '{"level":40,"time":1,"pid":1,"hostname":"h","thread":"slack-work","msg":"hello","x":1}');
    relayLog(logger, '{"level":20,"time":1,"msg":"below the level"}');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, service: 'pimbot', thread: 'slack-work', msg: 'hello', x: 1 });
    expect(lines[0]?.time).not.toBe(1);
    expect(lines[0]).not.toHaveProperty('hostname');
  });
});

describe('WorkThreadFront.start', () => {
  it('resolves once the thread says ready; requests then go to it', async () => {
    const h = setup();
    expect(h.front.running).toBe(false);
    const started = h.front.start();
    expect(h.spawn).toHaveBeenCalledTimes(1);
    let resolved = false;
    void started.then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    h.worker(0).say({ type: 'ready' });
    await started;
    expect(h.front.running).toBe(true);
    await h.front.processEvent(event(slash()));
    expect(h.worker(0).requests()).toHaveLength(1);
    expect(h.local.processEvent).not.toHaveBeenCalled();
  });

  it('hands requests to the local app before it is started', async () => {
    const h = setup();
    const ev = event(slash());
    await h.front.processEvent(ev);
    expect(h.local.processEvent).toHaveBeenCalledWith(ev);
    expect(ev.ack).not.toHaveBeenCalled();
    expect(h.spawn).not.toHaveBeenCalled();
  });

  it("rejects when the thread says failed, with the thread's error, and ends it", async () => {
    const h = setup();
    const started = h.front.start();
    h.worker(0).say({ type: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:5432' });
    await expect(started).rejects.toThrow('the Slack work thread could not start: connect ECONNREFUSED 127.0.0.1:5432');
    expect(h.worker(0).terminate).toHaveBeenCalled();
    expect(h.front.running).toBe(false);
    const ev = event(slash());
    await h.front.processEvent(ev);
    expect(h.local.processEvent).toHaveBeenCalledWith(ev);
    // The exit that follows the terminate is no crash: nothing is restarted.
    await sleep(50);
    expect(h.spawn).toHaveBeenCalledTimes(1);
    expect(h.logger.error).not.toHaveBeenCalled();
  });

  it('rejects when the thread exits while starting', async () => {
    const h = setup();
    const started = h.front.start();
    h.worker(0).exit(1);
    await expect(started).rejects.toThrow('the Slack work thread exited (code 1) while starting');
    expect(h.front.running).toBe(false);
    await sleep(50);
    expect(h.spawn).toHaveBeenCalledTimes(1);
  });

  it('rejects when the thread fails with an error while starting', async () => {
    const h = setup();
    const started = h.front.start();
    h.worker(0).emit('error', new Error('boom'));
    await expect(started).rejects.toThrow('the Slack work thread failed (boom) while starting');
    expect(h.front.running).toBe(false);
  });

  it('rejects and ends the thread when it does not say ready in time; a late ready changes nothing', async () => {
    const h = setup({ startTimeoutMs: 10 });
    const started = h.front.start();
    await expect(started).rejects.toThrow('the Slack work thread did not start within 0.01 s');
    expect(h.worker(0).terminate).toHaveBeenCalled();
    h.worker(0).say({ type: 'ready' });
    expect(h.front.running).toBe(false);
    await sleep(50);
    expect(h.spawn).toHaveBeenCalledTimes(1);
  });
});

describe('WorkThreadFront.processEvent', () => {
  it.each([
    ['a slash command', slash()],
    ['a button press', blockActions()],
    ['an event', eventCallback()],
  ])('acks %s itself at once, then hands it over as acked', async (_what, body) => {
    const h = setup();
    const w = await h.startReady();
    const ev = event(body);
    await h.front.processEvent(ev);
    expect(ev.ack).toHaveBeenCalledTimes(1);
    expect(ev.ack).toHaveBeenCalledWith();
    expect(ev.ack.mock.invocationCallOrder[0]).toBeLessThan(w.postMessage.mock.invocationCallOrder[0] ?? 0);
    expect(w.posted).toEqual([{ type: 'request', id: 1, body, acked: true }]);
    expect(h.front.inFlight).toBe(1);
    expect(h.local.processEvent).not.toHaveBeenCalled();
  });

  it("leaves a view submission's ack to the thread and sends its response once", async () => {
    const h = setup();
    const w = await h.startReady();
    const body = viewSubmission();
    const ev = event(body);
    await h.front.processEvent(ev);
    expect(ev.ack).not.toHaveBeenCalled();
    expect(w.posted).toEqual([{ type: 'request', id: 1, body, acked: false }]);
    const response = { response_action: 'errors', errors: { reason: 'Say why' } };
    w.say({ type: 'ack', id: 1, response });
    expect(ev.ack).toHaveBeenCalledTimes(1);
    expect(ev.ack).toHaveBeenCalledWith(response);
    w.say({ type: 'ack', id: 1, response: { response_action: 'clear' } });
    w.say({ type: 'ack', id: 1 });
    expect(ev.ack).toHaveBeenCalledTimes(1);
    // Still in flight until done.
    expect(h.front.inFlight).toBe(1);
    w.say({ type: 'done', id: 1 });
    expect(h.front.inFlight).toBe(0);
    expect(ev.ack).toHaveBeenCalledTimes(1);
  });

  it('ignores an ack from the thread for a request it acked itself, or one it does not know', async () => {
    const h = setup();
    const w = await h.startReady();
    const ev = event(slash());
    await h.front.processEvent(ev);
    w.say({ type: 'ack', id: 1, response: { text: 'late' } });
    w.say({ type: 'ack', id: 99, response: { text: 'unknown' } });
    expect(ev.ack).toHaveBeenCalledTimes(1);
    expect(ev.ack).toHaveBeenCalledWith();
  });

  it('passes retryNum and retryReason along, and numbers requests in order', async () => {
    const h = setup();
    const w = await h.startReady();
    const body = eventCallback();
    await h.front.processEvent(event(body, { retryNum: 2, retryReason: 'http_timeout' }));
    await h.front.processEvent(event(body, { retryNum: 0 }));
    await h.front.processEvent(event(slash()));
    expect(w.requests()).toEqual([
      { type: 'request', id: 1, body, acked: true, retryNum: 2, retryReason: 'http_timeout' },
      { type: 'request', id: 2, body, acked: true, retryNum: 0 },
      { type: 'request', id: 3, body: slash(), acked: true },
    ]);
  });
});

describe('WorkThreadFront: an ack that cannot be written', () => {
  it('still hands the request over, rejects to the receiver, and settles on done', async () => {
    const h = setup();
    const w = await h.startReady();
    const ev = { body: slash(3), ack: vi.fn(async () => Promise.reject(new Error('socket hung up'))) } satisfies ReceiverEvent;
    await expect(h.front.processEvent(ev)).rejects.toThrow('socket hung up');
    expect(w.requests()).toHaveLength(1);
    expect(h.front.inFlight).toBe(1);
    w.say({ type: 'done', id: 1 });
    await h.front.idle();
    expect(h.front.inFlight).toBe(0);
  });
});

describe('WorkThreadFront.idle', () => {
  it('resolves at once with nothing in flight', async () => {
    const h = setup();
    await h.startReady();
    await expect(h.front.idle()).resolves.toBeUndefined();
  });

  it('resolves only after done arrives for every request handed over', async () => {
    const h = setup();
    const w = await h.startReady();
    await h.front.processEvent(event(slash(1)));
    await h.front.processEvent(event(viewSubmission()));
    await h.front.processEvent(event(blockActions(3)));
    expect(h.front.inFlight).toBe(3);
    let idle = false;
    void h.front.idle().then(() => (idle = true));
    w.say({ type: 'done', id: 2 });
    await tick();
    expect(idle).toBe(false);
    w.say({ type: 'done', id: 1 });
    await tick();
    expect(idle).toBe(false);
    expect(h.front.inFlight).toBe(1);
    w.say({ type: 'done', id: 3 });
    await tick();
    expect(idle).toBe(true);
    expect(h.front.inFlight).toBe(0);
  });

  it('gives an unacked view submission whose handling failed an empty ack', async () => {
    const h = setup();
    const w = await h.startReady();
    const ev = event(viewSubmission());
    await h.front.processEvent(ev);
    w.say({ type: 'done', id: 1, failed: true });
    expect(ev.ack).toHaveBeenCalledTimes(1);
    expect(ev.ack).toHaveBeenCalledWith();
    await h.front.idle();
  });

  it('leaves an unacked view submission unacked when done without failing', async () => {
    const h = setup();
    const w = await h.startReady();
    const ev = event(viewSubmission());
    await h.front.processEvent(ev);
    w.say({ type: 'done', id: 1 });
    await h.front.idle();
    expect(ev.ack).not.toHaveBeenCalled();
  });

  it('does not ack twice a request that failed after it was acked', async () => {
    const h = setup();
    const w = await h.startReady();
    const command = event(slash());
    const view = event(viewSubmission());
    await h.front.processEvent(command);
    await h.front.processEvent(view);
    w.say({ type: 'ack', id: 2, response: { response_action: 'clear' } });
    w.say({ type: 'done', id: 1, failed: true });
    w.say({ type: 'done', id: 2, failed: true });
    expect(command.ack).toHaveBeenCalledTimes(1);
    expect(view.ack).toHaveBeenCalledTimes(1);
    expect(view.ack).toHaveBeenCalledWith({ response_action: 'clear' });
  });
});

describe("WorkThreadFront: the thread's logs and counts", () => {
  it("writes the thread's log lines through the logger given", async () => {
    const h = setup();
    const w = await h.startReady();
    w.say({ type: 'log', line: '{"level":40,"time":1,"pid":1,"hostname":"h","thread":"slack-work","msg":"hello","x":1}' });
    w.say({ type: 'log', line: '{"level":50,"time":1,"thread":"slack-work","msg":"slack: a request failed on the work thread","err":{"message":"db"}}' });
    w.say({ type: 'log', line: 'garbage' });
    expect(h.logger.warn).toHaveBeenCalledWith({ thread: 'slack-work', x: 1 }, 'hello');
    expect(h.logger.error).toHaveBeenCalledWith({ thread: 'slack-work', err: { message: 'db' } }, 'slack: a request failed on the work thread');
    expect(h.logger.warn).toHaveBeenCalledWith({ line: 'garbage' }, 'slack work thread: an unreadable log line');
  });

  it('writes log lines the thread sends while it starts', async () => {
    const h = setup();
    const started = h.front.start();
    h.worker(0).say({ type: 'log', line: '{"level":30,"msg":"slack work thread: opening the database"}' });
    h.worker(0).say({ type: 'ready' });
    await started;
    expect(h.logger.info).toHaveBeenCalledWith({}, 'slack work thread: opening the database');
  });

  it("adds the thread's counts to the metrics given", async () => {
    const h = setup();
    const w = await h.startReady();
    w.say({ type: 'count', metric: 'activations', labels: { outcome: 'requested' } });
    w.say({ type: 'count', metric: 'approvals', labels: { outcome: 'approved' } });
    w.say({ type: 'count', metric: 'activations', labels: { outcome: 'activated' } });
    expect(h.metrics.activations.inc.mock.calls).toEqual([[{ outcome: 'requested' }], [{ outcome: 'activated' }]]);
    expect(h.metrics.approvals.inc.mock.calls).toEqual([[{ outcome: 'approved' }]]);
  });
});

describe('WorkThreadFront: when the thread dies', () => {
  it('settles what was in flight, falls back to the local app, and restarts the thread', async () => {
    const h = setup({ restartDelaysMs: [20] });
    const w = await h.startReady();
    const command = event(slash(1));
    const view = event(viewSubmission());
    const button = event(blockActions(2));
    const finished = event(slash(3));
    for (const ev of [command, view, button, finished]) await h.front.processEvent(ev);
    w.say({ type: 'done', id: 4 });
    expect(h.front.inFlight).toBe(3);
    let idle = false;
    void h.front.idle().then(() => (idle = true));

    w.exit(1);
    expect(h.front.running).toBe(false);
    expect(h.front.inFlight).toBe(0);
    expect(view.ack).toHaveBeenCalledTimes(1);
    expect(view.ack).toHaveBeenCalledWith();
    expect(command.ack).toHaveBeenCalledTimes(1);
    expect(button.ack).toHaveBeenCalledTimes(1);
    expect(finished.ack).toHaveBeenCalledTimes(1);
    expect(h.tellCutOff.mock.calls).toEqual([['https://hooks.example/r1'], ['https://hooks.example/r2']]);
    await tick();
    expect(idle).toBe(true);
    expect(h.logger.error).toHaveBeenCalledTimes(1);
    expect(h.logger.error).toHaveBeenCalledWith(
      { why: 'exited (code 1)', inFlight: 3, restartInMs: 20 },
      expect.stringContaining('the work thread exited (code 1)'),
    );

    // While it is down, requests are handled here.
    const meanwhile = event(slash(5));
    await h.front.processEvent(meanwhile);
    expect(h.local.processEvent).toHaveBeenCalledWith(meanwhile);
    expect(meanwhile.ack).not.toHaveBeenCalled();
    expect(w.requests()).toHaveLength(4);

    await vi.waitFor(() => expect(h.workers).toHaveLength(2));
    // Spawned, not ready yet: still here.
    const early = event(slash(6));
    await h.front.processEvent(early);
    expect(h.local.processEvent).toHaveBeenCalledWith(early);
    expect(h.front.running).toBe(false);

    h.worker(1).say({ type: 'ready' });
    await vi.waitFor(() => expect(h.front.running).toBe(true));
    expect(h.logger.info).toHaveBeenCalledWith(expect.stringContaining('the work thread is back'));
    const after = event(slash(7));
    await h.front.processEvent(after);
    expect(h.local.processEvent).toHaveBeenCalledTimes(2);
    expect(h.worker(1).requests()).toEqual([{ type: 'request', id: 5, body: slash(7), acked: true }]);
    expect(after.ack).toHaveBeenCalledWith();
  });

  it('treats an error then an exit as one loss (one settle, one restart)', async () => {
    const h = setup({ restartDelaysMs: [20] });
    const w = await h.startReady();
    const view = event(viewSubmission());
    await h.front.processEvent(view);
    await h.front.processEvent(event(slash(1)));
    w.emit('error', new Error('out of memory'));
    w.exit(1);
    expect(view.ack).toHaveBeenCalledTimes(1);
    expect(h.tellCutOff).toHaveBeenCalledTimes(1);
    expect(h.logger.error).toHaveBeenCalledTimes(1);
    expect(h.logger.error).toHaveBeenCalledWith(expect.objectContaining({ why: 'failed (out of memory)', inFlight: 2 }), expect.any(String));
    await sleep(60);
    expect(h.workers).toHaveLength(2);
  });

  it('logs a warning when a user cannot be told their request was cut off', async () => {
    const h = setup();
    h.tellCutOff.mockRejectedValueOnce(new Error('response_url expired'));
    const w = await h.startReady();
    await h.front.processEvent(event(slash(1)));
    w.exit(1);
    await vi.waitFor(() =>
      expect(h.logger.warn).toHaveBeenCalledWith(
        { err: expect.objectContaining({ message: 'response_url expired' }), why: 'the work thread exited (code 1)' },
        'slack: could not tell a user their request was cut off',
      ),
    );
  });

  it('retries a restart that fails after the next delay, and starts over after one that works', async () => {
    const h = setup({ restartDelaysMs: [20, 40] });
    const w = await h.startReady();
    w.exit(1);
    await vi.waitFor(() => expect(h.workers).toHaveLength(2));
    h.worker(1).say({ type: 'failed', error: 'database unreachable' });
    await vi.waitFor(() => expect(h.logger.error).toHaveBeenCalledTimes(2));
    expect(h.logger.error).toHaveBeenLastCalledWith(
      { why: 'could not restart (the Slack work thread could not start: database unreachable)', inFlight: 0, restartInMs: 40 },
      expect.any(String),
    );
    expect(h.worker(1).terminate).toHaveBeenCalled();
    expect(h.front.running).toBe(false);

    await vi.waitFor(() => expect(h.workers).toHaveLength(3));
    // The second try may not start in time either (the last delay repeats).
    h.worker(2).exit(1);
    await vi.waitFor(() => expect(h.logger.error).toHaveBeenCalledTimes(3));
    expect(h.logger.error).toHaveBeenLastCalledWith(expect.objectContaining({ restartInMs: 40 }), expect.any(String));

    await vi.waitFor(() => expect(h.workers).toHaveLength(4));
    h.worker(3).say({ type: 'ready' });
    await vi.waitFor(() => expect(h.front.running).toBe(true));
    await h.front.processEvent(event(slash()));
    expect(h.worker(3).requests()).toHaveLength(1);

    // Back to the first delay after a restart that worked.
    h.worker(3).exit(1);
    expect(h.logger.error).toHaveBeenLastCalledWith(expect.objectContaining({ why: 'exited (code 1)', inFlight: 1, restartInMs: 20 }), expect.any(String));
    await h.front.stop();
  });

  it('does not restart once stopped while the thread is down', async () => {
    const h = setup({ restartDelaysMs: [20] });
    const w = await h.startReady();
    w.exit(1);
    await h.front.stop();
    await sleep(60);
    expect(h.workers).toHaveLength(1);
    const ev = event(slash());
    await h.front.processEvent(ev);
    expect(h.local.processEvent).toHaveBeenCalledWith(ev);
  });

  it('ends a thread that comes back after the front stopped', async () => {
    const h = setup({ restartDelaysMs: [20] });
    const w = await h.startReady();
    w.exit(1);
    await vi.waitFor(() => expect(h.workers).toHaveLength(2));
    await h.front.stop();
    h.worker(1).say({ type: 'ready' });
    await vi.waitFor(() => expect(h.worker(1).terminate).toHaveBeenCalled());
    expect(h.front.running).toBe(false);
    const ev = event(slash());
    await h.front.processEvent(ev);
    expect(h.local.processEvent).toHaveBeenCalledWith(ev);
    expect(h.worker(1).posted).toEqual([]);
  });
});

describe('WorkThreadFront.stop', () => {
  it('asks the thread to stop, waits for stopped, ends it, and does not restart it', async () => {
    const h = setup({ restartDelaysMs: [20] });
    const w = await h.startReady();
    await h.front.processEvent(event(slash()));
    let stopped = false;
    const stopping = h.front.stop().then(() => (stopped = true));
    expect(w.posted.at(-1)).toEqual({ type: 'stop' });
    await sleep(20);
    expect(stopped).toBe(false);
    expect(w.terminate).not.toHaveBeenCalled();
    w.say({ type: 'done', id: 1 });
    w.say({ type: 'stopped' });
    await stopping;
    expect(w.terminate).toHaveBeenCalledTimes(1);
    expect(h.front.running).toBe(false);
    expect(h.tellCutOff).not.toHaveBeenCalled();

    await sleep(60);
    expect(h.workers).toHaveLength(1);
    expect(h.logger.error).not.toHaveBeenCalled();
    const ev = event(slash());
    await h.front.processEvent(ev);
    expect(h.local.processEvent).toHaveBeenCalledWith(ev);
    expect(w.requests()).toHaveLength(1);
  });

  it('settles what the thread left unfinished', async () => {
    const h = setup();
    const w = await h.startReady();
    const view = event({ ...viewSubmission(), response_urls: [] });
    const command = event(slash(1));
    await h.front.processEvent(view);
    await h.front.processEvent(command);
    let idle = false;
    void h.front.idle().then(() => (idle = true));
    const stopping = h.front.stop();
    w.say({ type: 'stopped' });
    await stopping;
    expect(view.ack).toHaveBeenCalledTimes(1);
    expect(view.ack).toHaveBeenCalledWith();
    expect(command.ack).toHaveBeenCalledTimes(1);
    expect(h.tellCutOff.mock.calls).toEqual([['https://hooks.example/r1']]);
    expect(h.front.inFlight).toBe(0);
    await tick();
    expect(idle).toBe(true);
    expect(h.logger.error).not.toHaveBeenCalled();
  });

  it('gives up waiting after stopTimeoutMs', async () => {
    const h = setup({ stopTimeoutMs: 20 });
    const w = await h.startReady();
    const view = event(viewSubmission());
    await h.front.processEvent(view);
    const t0 = Date.now();
    await h.front.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    expect(w.terminate).toHaveBeenCalledTimes(1);
    expect(view.ack).toHaveBeenCalledWith();
    expect(h.front.running).toBe(false);
    await sleep(40);
    expect(h.workers).toHaveLength(1);
  });

  it('stops waiting when the thread exits before saying stopped', async () => {
    const h = setup({ restartDelaysMs: [20] });
    const w = await h.startReady();
    const stopping = h.front.stop();
    w.exit(0);
    await stopping;
    expect(h.front.running).toBe(false);
    await sleep(60);
    expect(h.workers).toHaveLength(1);
    expect(h.logger.error).not.toHaveBeenCalled();
  });

  it('handles requests that arrive while it stops on this thread, not on the stopping thread', async () => {
    const h = setup();
    const w = await h.startReady();
    const stopping = h.front.stop();
    const late = event(slash(7));
    await h.front.processEvent(late);
    expect(h.local.processEvent).toHaveBeenCalledWith(late);
    expect(w.requests()).toHaveLength(0);
    w.say({ type: 'stopped' });
    await stopping;
    expect(h.tellCutOff).not.toHaveBeenCalled();
  });

  it('does nothing much when never started', async () => {
    const h = setup();
    await h.front.stop();
    expect(h.spawn).not.toHaveBeenCalled();
    const ev = event(slash());
    await h.front.processEvent(ev);
    expect(h.local.processEvent).toHaveBeenCalledWith(ev);
  });
});
