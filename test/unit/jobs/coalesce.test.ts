/** Coalesced: many asks are one run, asks during a run are one more, runs keep their interval unless urgent. */
import { describe, expect, it } from 'vitest';
import { Coalesced } from '../../../src/jobs/coalesce.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Coalesced', () => {
  it('runs once for a burst of asks, and once more for asks during the run', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const c = new Coalesced(async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    }, () => {}, 10);
    for (let k = 0; k < 100; k++) c.poke();
    await sleep(40);
    expect(runs).toBe(1);
    for (let k = 0; k < 100; k++) c.poke();
    release();
    await sleep(40);
    expect(runs).toBe(2);
    release();
    await c.stop();
    expect(runs).toBe(2);
  });

  it('keeps runs the interval apart, unless an ask is urgent', async () => {
    const at: number[] = [];
    const c = new Coalesced(async () => {
      at.push(Date.now());
    }, () => {}, 10, 400);
    c.poke();
    await sleep(50);
    c.poke();
    await sleep(100);
    expect(at).toHaveLength(1);
    c.poke(true);
    await sleep(50);
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeLessThan(300);
    c.poke();
    await sleep(100);
    expect(at).toHaveLength(2);
    await sleep(400);
    expect(at).toHaveLength(3);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(390);
    await c.stop();
  });

  it('reports a failed run and keeps serving; asks after stop do nothing', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const c = new Coalesced(async () => {
      runs++;
      throw new Error('boom');
    }, (e) => errors.push(e), 5);
    c.poke();
    await sleep(30);
    c.poke();
    await sleep(30);
    expect(runs).toBe(2);
    expect(errors).toHaveLength(2);
    await c.stop();
    c.poke(true);
    await sleep(30);
    expect(runs).toBe(2);
  });
});
