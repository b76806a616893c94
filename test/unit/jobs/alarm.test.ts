import { describe, expect, it } from 'vitest';
import { Alarm } from '../../../src/jobs/alarm.js';

describe('Alarm', () => {
  it('wakes a sleeper early when rung', async () => {
    const alarm = new Alarm();
    const started = performance.now();
    const slept = alarm.sleep(10_000);
    alarm.ring();
    await slept;
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('remembers a ring that came while nobody slept, until reset', async () => {
    const alarm = new Alarm();
    alarm.ring();
    expect(alarm.signalled).toBe(true);
    const started = performance.now();
    await alarm.sleep(10_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    alarm.reset();
    expect(alarm.signalled).toBe(false);
  });

  it('sleeps the full time without a ring', async () => {
    const alarm = new Alarm();
    const started = performance.now();
    await alarm.sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
