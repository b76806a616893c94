/** The queue the work after a Slack ack waits in: a limit, arrival order, nothing dropped, a backlog warning. */
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../../adapters/slack/work-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('WorkQueue', () => {
  it('runs at most `limit` at once and the rest in arrival order, passing results and errors through', async () => {
    const q = new WorkQueue(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      q.run(async () => {
        started.push(i);
        await g.opened;
        if (i === 1) throw new Error('boom');
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(q.backlog).toBe(2);
    gates[1]?.open();
    await expect(runs[1]).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.open();
    gates[2]?.open();
    gates[3]?.open();
    expect(await Promise.all([runs[0], runs[2], runs[3]])).toEqual([0, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(q.backlog).toBe(0);
    // The slots are free again.
    expect(await Promise.all([q.run(async () => 'a'), q.run(async () => 'b')])).toEqual(['a', 'b']);
  });

  it('warns when the backlog reaches the threshold, then at each doubling, and again after it empties', async () => {
    const warned: number[] = [];
    const q = new WorkQueue(1, (n) => warned.push(n), 2);
    const hold = gate();
    const runs = [q.run(() => hold.opened), ...Array.from({ length: 5 }, () => q.run(async () => {}))];
    await tick();
    expect(warned).toEqual([2, 4]);
    hold.open();
    await Promise.all(runs);
    const again = gate();
    const more = [q.run(() => again.opened), q.run(async () => {}), q.run(async () => {})];
    await tick();
    expect(warned).toEqual([2, 4, 2]);
    again.open();
    await Promise.all(more);
  });

  it('refuses a limit below 1', () => {
    expect(() => new WorkQueue(0)).toThrow(/positive integer/);
  });
});
