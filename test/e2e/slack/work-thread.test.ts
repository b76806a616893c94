/**
 * The Slack work thread (PostgreSQL only): requests acked on the main thread and handled on the
 * work thread, counts reaching /metrics, a thread that dies mid-request (the user is told, the
 * main thread takes over, the thread comes back), and a stop that finishes what is in flight.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CUT_OFF_MESSAGE } from '../../../adapters/slack/index.js';
import { noteSkippedWithoutPostgres, onPostgres } from '../../support/db.js';
import { eventually, textOf } from '../../support/fake-slack.js';
import { alice, dora, slackSuite } from './harness.js';

noteSkippedWithoutPostgres('the Slack work thread');

describe.skipIf(!onPostgres)('the Slack work thread', () => {
  const suite = slackSuite({ workThread: 'on' });
  beforeAll(suite.setup);
  afterAll(suite.teardown);
  beforeEach(suite.start);
  afterEach(suite.stop);

  it('handles a command there: the ack comes first and empty, the answer and the counts follow', async () => {
    const { slack, fake, app, adapter, settled } = suite.get();
    const release = fake.hold('users.info');
    fake.setUser(dora.id, { email: 'dora@example.com' });
    // The work is held up at users.info, and still the ack is an immediate empty 200.
    const sent = await slack.command(dora, 'activate Reader 30m');
    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');
    await eventually(() => fake.callsMade('users.info').length === 1, 'the work thread to look dora up');
    expect(adapter.workThread?.inFlight).toBe(1);
    expect(fake.responses).toEqual([]);
    release();

    const answer = await fake.waitForResponse(sent.responseId);
    expect(textOf(answer.body.blocks)).toMatch(/\*Reader\* at `\/` is active until/);
    await settled();
    expect(adapter.workThread?.inFlight).toBe(0);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/pimbot_activations_total\{outcome="requested"\} 1\b/);
    expect(metrics).toMatch(/pimbot_activations_total\{outcome="active"\} [1-9]/);
  });

  it('tells the user when the thread dies mid-request, handles the next ones itself, and brings the thread back', async () => {
    const { slack, fake, adapter } = suite.get();
    const front = adapter.workThread;
    const first = front?.thread;
    if (!front || !first) throw new Error('no work thread');
    const release = fake.hold('users.info');
    fake.setUser(dora.id, { email: 'dora@example.com' });
    const cut = await slack.command(dora, 'roles');
    await eventually(() => fake.callsMade('users.info').length === 1, 'the work thread to look dora up');

    await first.terminate();
    const told = await fake.waitForResponse(cut.responseId);
    expect(textOf(told.body.blocks)).toContain(CUT_OFF_MESSAGE);
    expect(told.body.response_type).toBe('ephemeral');
    expect(front.running).toBe(false);
    release();

    // While the thread is down the main thread answers.
    const meanwhile = await slack.command(alice, 'roles');
    expect(meanwhile.status).toBe(200);
    expect(textOf((await fake.waitForResponse(meanwhile.responseId)).body.blocks)).toContain('*Reader*');

    // Then a new thread takes over.
    await eventually(() => front.running, 'the work thread to restart', { timeoutMs: 15_000 });
    expect(front.thread).not.toBe(first);
    const after = await slack.command(alice, 'activate Reader 1h');
    expect(textOf((await fake.waitForResponse(after.responseId)).body.blocks)).toMatch(/\*Reader\* at `\/` is active until/);
  });

  it('finishes the work in flight before the bot stops', async () => {
    const { slack, fake, app, adapter } = suite.get();
    const release = fake.hold('users.info');
    fake.setUser(dora.id, { email: 'dora@example.com' });
    const sent = await slack.command(dora, 'activate Reader 30m');
    await eventually(() => fake.callsMade('users.info').length === 1, 'the work thread to look dora up');

    const closed = app.close();
    setTimeout(release, 200);
    await closed;
    expect(adapter.workThread?.running).toBe(false);
    const answer = fake.responses.find((r) => r.id === sent.responseId);
    expect(textOf(answer?.body.blocks ?? [])).toMatch(/\*Reader\* at `\/` is active until/);
  });
});
