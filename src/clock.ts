/** Clocks: the system clock, and a shifted one the playground can move forward. */
import type { Clock } from './core/ports.js';

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs with real time plus an offset that can only grow (playground time travel). */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  advance(ms: number): void {
    if (ms > 0) this.offsetMs += ms;
  }
  /** Takes up an offset kept from an earlier run. */
  restore(offsetMs: number): void {
    if (offsetMs > this.offsetMs) this.offsetMs = offsetMs;
  }
  get offset(): number {
    return this.offsetMs;
  }
}

/** A clock for tests: stands still until moved. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2026-01-05T09:00:00Z') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
