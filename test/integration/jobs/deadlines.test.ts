/**
 * The deadline engine (DeadlineLoop over the real Pim, on PGlite or PostgreSQL) with a fake clock:
 * every deadline kind is acted on once when its time comes, the loop wakes for the next one by
 * itself, and a loop stopped while deadlines pass catches up exactly once when it starts again.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import type { Assignment, Notice } from '../../../src/core/index.js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { RecordProvider } from '../../../src/providers/record.js';
import { DeadlineLoop } from '../../../src/jobs/deadlines.js';
import { Dispatcher } from '../../../src/jobs/dispatcher.js';
import { testDatabase } from '../../support/db.js';
import { DAY, DEV, dm, HOUR, MIN, PimFixture, PROD, START } from '../../support/pim.js';
import { RecordingMessenger } from '../../support/recording-messenger.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A fake clock that also runs with real time, for the test that the loop wakes by itself. */
class RunningClock extends ManualClock {
  private base = performance.now();
  override now(): Date {
    return new Date(super.now().getTime() + Math.floor(performance.now() - this.base));
  }
  override set(at: Date | string): void {
    super.set(at);
    this.base = performance.now();
  }
  override advance(ms: number): void {
    this.set(new Date(this.now().getTime() + ms));
  }
}

/** Polls `check` until it holds (or fails after `timeoutMs`). */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let fx: PimFixture;
let loop: DeadlineLoop | null = null;
let passes = 0;

beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());
afterEach(async () => {
  await loop?.stop();
  loop = null;
});

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

/** Starts the engine on the fixture's Pim; a long safety-net sleep, so only a wake or a deadline moves it. */
function startLoop(maxSleepMs = 60_000): DeadlineLoop {
  passes = 0;
  loop = new DeadlineLoop({ work: { processDeadlines: () => fx.pim.processDeadlines().finally(() => passes++), nextDeadline: () => fx.pim.nextDeadline() }, clock: fx.clock, logger: quiet, maxSleepMs });
  loop.start();
  return loop;
}

/** Moves the fake clock and wakes the engine, then waits until it has run a full pass at that time. */
async function moveTo(offsetMs: number): Promise<void> {
  await waitFor(async () => passes > 0, 5_000, 'the first pass');
  fx.clock.set(at(offsetMs));
  const before = passes;
  loop?.wake();
  // One pass may already be running from before the move; the one after it saw the new time.
  await waitFor(async () => passes >= before + 2 || (passes >= before + 1 && !(await dueNow())), 5_000, 'a pass at the new time');
}

/** True while something is due at the fixture clock's time. */
async function dueNow(): Promise<boolean> {
  const next = await fx.pim.nextDeadline();
  return next !== null && next.getTime() <= fx.clock.now().getTime();
}

async function activateContributor(scope = PROD, durationMs = HOUR, startAt?: Date) {
  return fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope, durationMs, reason: 'deploy', ...(startAt ? { startAt } : {}) });
}

async function activeContributor(): Promise<Assignment> {
  const res = await activateContributor();
  if (res.outcome !== 'active') throw new Error(`expected active, got ${res.outcome}`);
  return res.assignment;
}

const warnings = (user: 'alice' | 'bob', warning?: string) =>
  fx.messages({ to: dm(user), kind: 'expiry_warning' }).then((m) => m.filter((x) => warning === undefined || (x.notice as Extract<Notice, { kind: 'expiry_warning' }>).warning === warning));

describe('activation expiry', () => {
  it('ends the activation at its end, expires the request and tells the holder, once', async () => {
    const a = await activeContributor();
    startLoop();
    await moveTo(HOUR - 1);
    expect((await fx.assignment(a.id)).endedAt).toBeNull();
    await moveTo(HOUR);
    const ended = await fx.assignment(a.id);
    expect(ended).toMatchObject({ endReason: 'expired', endedAt: at(HOUR) });
    expect((await fx.request(a.requestId as string)).state).toBe('expired');
    await moveTo(2 * HOUR);
    expect(await fx.audit({ action: 'activation.expired' })).toHaveLength(1);
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_ended' })).toHaveLength(1);
  });
});

describe('eligible assignment expiry', () => {
  it('ends an eligible assignment at its end and tells the holder, once', async () => {
    // bob's Reader eligibility ends 10 days after START.
    const [reader] = await fx.assignments({ principalId: 'bob@example.com', role: 'Reader', type: 'eligible' });
    startLoop();
    await moveTo(10 * DAY);
    await moveTo(11 * DAY);
    expect(await fx.assignment(reader?.id as string)).toMatchObject({ endReason: 'expired', endedAt: at(10 * DAY) });
    expect(await fx.audit({ action: 'assignment.expired' })).toHaveLength(1);
    const told = await fx.messages({ to: dm('bob'), kind: 'activation_ended' });
    expect(told).toHaveLength(1);
    expect(told[0]?.notice).toMatchObject({ reason: 'expired', assignment: { type: 'eligible', role: 'Reader' } });
  });
});

describe('approval timeout', () => {
  it('times a pending request out at its deadline, tells the requester and updates the approvers’ card', async () => {
    const messenger = new RecordingMessenger();
    const dispatcher = new Dispatcher({
      queue: new OutboxQueue(fx.db),
      refs: new MessageRefStore(fx.db),
      messengers: () => [messenger],
      provider: new RecordProvider(),
      clock: fx.clock,
      logger: quiet,
      hooks: {
        currentNotice: (n) => fx.pim.currentNotice(n),
        completeGrant: async () => null,
        failGrant: async () => null,
        revokeFailed: async () => {},
        deadLettered: async () => {},
      },
    });
    // From the CLI, so the requester's "waiting for approval" message is a DM (from chat it is the command's answer).
    const res = await fx.pim.activate(fx.pim.actorFor('alice@example.com', 'cli'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-7' });
    expect(res.outcome).toBe('pending_approval');
    await dispatcher.runOnce(); // the approval card is posted to the approvals channel
    expect(messenger.sent.filter((s) => s.notice.kind === 'approval_request')).toHaveLength(1);

    startLoop();
    await moveTo(24 * HOUR - 1);
    expect((await fx.request(res.request.id)).state).toBe('pending_approval');
    await moveTo(24 * HOUR);
    expect((await fx.request(res.request.id)).state).toBe('timed_out');
    await moveTo(25 * HOUR);
    expect(await fx.audit({ action: 'request.timed_out' })).toHaveLength(1);
    const told = await fx.messages({ to: dm('alice'), kind: 'request_closed' });
    expect(told).toHaveLength(1);
    expect(told[0]?.notice).toMatchObject({ request: { id: res.request.id, state: 'timed_out' } });

    await dispatcher.runOnce();
    // The approvers' card, and the requester's "waiting for approval" DM.
    expect(messenger.updated).toHaveLength(2);
    const card = messenger.updated.find((u) => u.notice.kind === 'approval_request');
    expect(card?.ref.conversation).toBe('approvals');
    expect(card?.notice).toMatchObject({ request: { id: res.request.id, state: 'timed_out' } });
    const waiting = messenger.updated.find((u) => u.notice.kind === 'request_pending');
    expect(waiting?.ref.conversation).toBe('alice@example.com');
    expect(waiting?.notice).toMatchObject({ request: { id: res.request.id, state: 'timed_out' } });
  });
});

describe('scheduled start', () => {
  it('starts a scheduled activation when its start comes, once', async () => {
    const res = await activateContributor(DEV, HOUR, at(2 * HOUR));
    expect(res.outcome).toBe('scheduled');
    startLoop();
    await moveTo(2 * HOUR - 1);
    expect(await fx.activeAssignments('alice@example.com')).toEqual([]);
    await moveTo(2 * HOUR);
    const [a] = await fx.activeAssignments('alice@example.com');
    expect(a).toMatchObject({ scope: DEV, startsAt: at(2 * HOUR), endsAt: at(3 * HOUR), requestId: res.request.id });
    expect((await fx.request(res.request.id)).state).toBe('active');
    await moveTo(2 * HOUR + MIN);
    expect(await fx.audit({ action: 'activation.started' })).toHaveLength(1);
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_started' })).toHaveLength(1);
  });
});

describe('activation warning (warnBefore, 10m)', () => {
  it('warns the holder warnBefore the end, once, as an activation warning', async () => {
    const a = await activeContributor();
    startLoop();
    await moveTo(HOUR - 10 * MIN - 1);
    expect(await warnings('alice')).toEqual([]);
    await moveTo(HOUR - 10 * MIN);
    await moveTo(HOUR - 5 * MIN);
    const sent = await warnings('alice');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.notice).toMatchObject({ kind: 'expiry_warning', warning: 'activation', assignment: { id: a.id, endsAt: at(HOUR).toISOString() } });
  });
});

describe('assignment warnings (14 days and 1 day)', () => {
  // alice's Reader eligibility ends 90 days after START.
  const end = 90 * DAY;

  it('warns 14 days and 1 day before an eligible assignment ends, each once', async () => {
    startLoop();
    await moveTo(end - 14 * DAY - 1);
    expect(await warnings('alice')).toEqual([]);
    await moveTo(end - 14 * DAY);
    await moveTo(end - 10 * DAY);
    expect(await warnings('alice', '14d')).toHaveLength(1);
    expect(await warnings('alice', '1d')).toHaveLength(0);
    await moveTo(end - DAY);
    await moveTo(end - HOUR);
    expect(await warnings('alice', '14d')).toHaveLength(1);
    const lastNotice = await warnings('alice', '1d');
    expect(lastNotice).toHaveLength(1);
    expect(lastNotice[0]?.notice).toMatchObject({ assignment: { role: 'Reader', type: 'eligible', endsAt: at(end).toISOString() } });
    expect(await warnings('alice')).toHaveLength(2);
  });

  it('warns the holder of an active assignment an admin made, 14 days and 1 day before it ends', async () => {
    const a = await fx.pim.assign(fx.actor('erin'), { user: 'bob@example.com', role: 'Contributor', scope: DEV, type: 'active', durationMs: 30 * DAY, reason: 'on call' });
    startLoop();
    await moveTo(16 * DAY);
    await moveTo(29 * DAY);
    const sent = (await warnings('bob')).filter((m) => (m.notice as Extract<Notice, { kind: 'expiry_warning' }>).assignment.id === a.id);
    expect(sent.map((m) => (m.notice as Extract<Notice, { kind: 'expiry_warning' }>).warning)).toEqual(['14d', '1d']);
  });

  it('gives an assignment shorter than 14 days only the 1-day warning', async () => {
    // bob's Reader eligibility was made for 10 days.
    startLoop();
    await moveTo(HOUR);
    expect(await warnings('bob')).toEqual([]);
    await moveTo(9 * DAY);
    expect((await warnings('bob')).map((m) => (m.notice as Extract<Notice, { kind: 'expiry_warning' }>).warning)).toEqual(['1d']);
  });

  it('sends only the 1-day warning when both came due while the engine was away', async () => {
    startLoop();
    await moveTo(end - 12 * HOUR);
    expect((await warnings('alice')).map((m) => (m.notice as Extract<Notice, { kind: 'expiry_warning' }>).warning)).toEqual(['1d']);
    await moveTo(end - HOUR);
    expect(await warnings('alice')).toHaveLength(1);
  });

  it('warns again before the new end after a renewal', async () => {
    startLoop();
    await moveTo(end - 14 * DAY);
    const res = await fx.pim.extend(fx.actor('alice'), { role: 'Reader', durationMs: 30 * DAY, reason: 'still on the team' });
    await fx.pim.approve(fx.actor('erin'), res.outcome === 'pending_approval' ? res.request.id : '');
    await moveTo(end + 30 * DAY - 14 * DAY);
    expect(await warnings('alice', '14d')).toHaveLength(2);
  });
});

describe('waking', () => {
  it('nextDeadline names each kind of deadline in turn', async () => {
    await fx.reset([{ principal: 'alice@example.com', role: 'Reader', type: 'eligible', endsAt: at(30 * DAY) }]);
    expect(await fx.pim.nextDeadline()).toEqual(at(16 * DAY)); // the 14-day warning
    fx.clock.set(at(16 * DAY));
    await fx.pim.processDeadlines();
    expect(await fx.pim.nextDeadline()).toEqual(at(29 * DAY)); // the 1-day warning
    fx.clock.set(at(29 * DAY));
    await fx.pim.processDeadlines();
    expect(await fx.pim.nextDeadline()).toEqual(at(30 * DAY)); // the end
    fx.clock.set(at(30 * DAY));
    await fx.pim.processDeadlines();
    expect(await fx.pim.nextDeadline()).toBeNull();
  });

  it('the next deadline of a pending request is its approval deadline; of a scheduled one, its start', async () => {
    await fx.reset([
      { principal: 'alice@example.com', role: 'Owner', type: 'eligible', endsAt: null },
      { principal: 'alice@example.com', role: 'Contributor', scope: PROD, type: 'eligible', endsAt: null },
    ]);
    await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-7' });
    expect(await fx.pim.nextDeadline()).toEqual(at(24 * HOUR));
    await activateContributor(PROD, HOUR, at(3 * HOUR));
    expect(await fx.pim.nextDeadline()).toEqual(at(3 * HOUR));
  });

  it('wakes by itself for the next deadline, not on a poll', async () => {
    const clock = new RunningClock(START);
    const own = new PimFixture(fx.database, { clock });
    await own.reset([{ principal: 'alice@example.com', role: 'Contributor', scope: PROD, type: 'eligible', endsAt: null }]);
    const res = await own.pim.activate(own.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    if (res.outcome !== 'active') throw new Error(res.outcome);
    const end = (res.assignment.endsAt as Date).getTime();
    // 300 ms before the warning, then before the end; the safety-net sleep is a minute.
    loop = new DeadlineLoop({ work: own.pim, clock, logger: quiet, maxSleepMs: 60_000 });
    clock.set(new Date(end - 10 * MIN - 300));
    loop.start();
    await waitFor(async () => (await own.messages({ kind: 'expiry_warning' })).length === 1, 3_000, 'the warning');
    clock.set(new Date(end - 300));
    loop.wake(); // the clock jumped: look again (a real clock does not jump)
    await waitFor(async () => (await own.assignment(res.assignment.id)).endedAt !== null, 3_000, 'the expiry');
    expect(clock.now().getTime() - end).toBeLessThan(1_000);
  });
});

describe('restart', () => {
  it('a stopped engine finds every deadline that passed while it was down, and acts on each once', async () => {
    await fx.reset([
      { principal: 'alice@example.com', role: 'Owner', type: 'eligible', endsAt: null },
      { principal: 'alice@example.com', role: 'Contributor', scope: PROD, type: 'eligible', endsAt: null },
      { principal: 'alice@example.com', role: 'Contributor', scope: DEV, type: 'eligible', endsAt: null },
      { principal: 'bob@example.com', role: 'Reader', type: 'eligible', endsAt: at(20 * DAY) },
    ]);
    const prod = await activeContributor(); // warning at 50m, ends at 1h
    const pending = await fx.pim.activate(fx.actor('alice'), { role: 'Owner', durationMs: 30 * MIN, reason: 'incident', ticket: 'INC-7' }); // times out at 24h
    const scheduled = await activateContributor(DEV, HOUR, at(2 * HOUR)); // starts at 2h
    startLoop();
    await moveTo(MIN);
    await loop?.stop();

    // Down for 7 days: past the warning, the end, the start, the timeout and bob's 14-day warning.
    fx.clock.set(at(7 * DAY));
    startLoop();
    await waitFor(async () => passes > 0 && !(await dueNow()), 5_000, 'catching up');
    await moveTo(7 * DAY + MIN);
    await loop?.stop();
    startLoop();
    await moveTo(7 * DAY + 2 * MIN);

    expect(await fx.assignment(prod.id)).toMatchObject({ endReason: 'expired', endedAt: at(HOUR) });
    expect((await fx.request(pending.request.id)).state).toBe('timed_out');
    expect((await fx.request(scheduled.request.id)).state).toBe('active');
    expect(await fx.audit({ action: 'activation.expired' })).toHaveLength(1);
    expect(await fx.audit({ action: 'request.timed_out' })).toHaveLength(1);
    expect(await fx.audit({ action: 'activation.started' })).toHaveLength(2);
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_ended' })).toHaveLength(1);
    expect(await fx.messages({ to: dm('alice'), kind: 'request_closed' })).toHaveLength(1);
    // The activation ended before anyone could be warned; a warning after its end helps nobody.
    expect(await warnings('alice')).toEqual([]);
    expect((await warnings('bob')).map((m) => (m.notice as Extract<Notice, { kind: 'expiry_warning' }>).warning)).toEqual(['14d']);

    // The activation that started late runs its full hour from its start, then ends once.
    await moveTo(7 * DAY + HOUR);
    await loop?.stop();
    fx.clock.set(at(8 * DAY));
    startLoop();
    await waitFor(async () => passes > 0 && !(await dueNow()), 5_000, 'catching up');
    expect(await fx.audit({ action: 'activation.expired' })).toHaveLength(2);
    expect(await fx.messages({ to: dm('alice'), kind: 'activation_ended' })).toHaveLength(2);
  });
});

