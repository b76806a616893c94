/** Clocks: the system clock, and a shifted one the playground can move forward. */
import type { Clock } from './core/index.js';

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs with real time plus an offset that can only grow (playground time travel). */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  private landedMs: number | null = null;
  constructor(private readonly base: Clock = systemClock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  /** Jumps forward by `ms`: whatever came due in between comes due at once, at the time it lands on. */
  advance(ms: number): void {
    if (ms <= 0) return;
    this.offsetMs += ms;
    this.landedMs = this.now().getTime();
  }
  /** Takes up an offset kept from an earlier run (not a jump: the time in between really passed). */
  restore(offsetMs: number): void {
    if (offsetMs > this.offsetMs) this.offsetMs = offsetMs;
  }
  get offset(): number {
    return this.offsetMs;
  }
  /** The time the last jump landed on; null before any. */
  get landedAt(): Date | null {
    return this.landedMs === null ? null : new Date(this.landedMs);
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
