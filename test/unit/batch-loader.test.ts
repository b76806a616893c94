import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BatchLoader } from '../../src/batch-loader.js';

/** A loader over a table whose reads are counted and take `ms`. */
function rig(ms = 5, maxBatch?: number) {
  const table = new Map<number, string>();
  const loads: number[][] = [];
  const loader = new BatchLoader<number, string | null>(async (keys) => {
    loads.push(keys);
    const read = keys.map((k) => table.get(k) ?? null);
    await sleep(ms);
    return read;
  }, maxBatch);
  return { table, loads, loader };
}

describe('BatchLoader', () => {
  it('loads the keys asked for in one tick together, each caller getting its own value', async () => {
    const { table, loads, loader } = rig();
    for (let i = 0; i < 10; i++) table.set(i, `v${i}`);
    const values = await Promise.all([3, 1, 4, 1, 5].map((k) => loader.load(k)));
    expect(values).toEqual(['v3', 'v1', 'v4', 'v1', 'v5']);
    expect(loads).toEqual([[3, 1, 4, 1, 5]]);
  });

  it('gathers the keys asked for while a load runs into the next load, which reads after they were asked', async () => {
    const { table, loads, loader } = rig(20);
    table.set(1, 'old');
    const first = loader.load(1);
    await sleep(5);
    table.set(1, 'new');
    const later = [loader.load(1), loader.load(2)];
    expect(await first).toBe('old');
    expect(await Promise.all(later)).toEqual(['new', null]);
    expect(loads).toEqual([[1], [1, 2]]);
  });

  it('splits a large batch at maxBatch', async () => {
    const { loads, loader } = rig(1, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((k) => loader.load(k)));
    expect(loads).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("rejects a failed load's callers only, and the next load goes ahead", async () => {
    let fail = true;
    const loader = new BatchLoader<number, number>(async (keys) => {
      await sleep(5);
      if (fail) throw new Error('database is down');
      return keys.map((k) => k * 2);
    });
    const failed = Promise.all([loader.load(1), loader.load(2)]);
    await expect(failed).rejects.toThrow('database is down');
    fail = false;
    expect(await loader.load(3)).toBe(6);
  });

  it('rejects when the load returns the wrong number of values', async () => {
    const loader = new BatchLoader<number, number>(async () => [1]);
    await expect(Promise.all([loader.load(1), loader.load(2)])).rejects.toThrow('1 values for 2 keys');
  });
});
