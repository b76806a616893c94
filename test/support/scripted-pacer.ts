/** A PacerPort for messenger tests: answers as scripted (then: go now) and records what it was asked to pace. */
import type { PaceLimit, PacerPort } from '../../adapters/types.js';

export class ScriptedPacer implements PacerPort {
  readonly asked: PaceLimit[][] = [];

  constructor(private readonly answers: { waitMs: number; reserved: boolean }[] = []) {}

  async acquire(limits: readonly PaceLimit[]): Promise<{ waitMs: number; reserved: boolean }> {
    this.asked.push([...limits]);
    return this.answers.shift() ?? { waitMs: 0, reserved: true };
  }

  /** The keys of each acquire so far. */
  keys(): string[][] {
    return this.asked.map((limits) => limits.map((l) => l.key));
  }
}
