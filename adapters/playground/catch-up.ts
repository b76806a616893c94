/**
 * Cron jobs in the bot's time. node-cron fires on real time, so moving the playground's clock a
 * week forward would never reach Monday 09:00 for the digest. After each jump the playground runs
 * the jobs whose schedule fell inside it, once each (the core dedupes a digest per week anyway).
 */
import { createTask, parse, type ScheduledTask } from 'node-cron';

export interface CatchUpJob {
  name: string;
  /** Five- or six-field cron expression, read in the time zone given. */
  cron: string;
  run(): Promise<unknown>;
}

const MINUTE = 60_000;
/** How far back from the end of a jump schedules are looked at (weekly jobs need seven days). */
export const LOOK_BACK_MS = 8 * 86_400_000;

export class ScheduleCatchUp {
  private readonly entries: { job: CatchUpJob; task: ScheduledTask; second: number }[];

  constructor(jobs: CatchUpJob[], timeZone: string) {
    // Never started: only used to ask whether a time matches the schedule.
    this.entries = jobs.map((job) => ({ job, task: createTask(job.cron, () => undefined, { timezone: timeZone }), second: parse(job.cron).second[0] ?? 0 }));
  }

  /** The jobs scheduled at some time in (from, to], looking at most LOOK_BACK_MS back from `to`. */
  due(from: Date, to: Date): CatchUpJob[] {
    const start = Math.max(from.getTime(), to.getTime() - LOOK_BACK_MS);
    return this.entries
      .filter(({ task, second }) => {
        // Minute by minute, at the schedule's first second.
        let t = Math.floor(start / MINUTE) * MINUTE + second * 1000;
        if (t <= start) t += MINUTE;
        for (; t <= to.getTime(); t += MINUTE) if (task.match(new Date(t))) return true;
        return false;
      })
      .map((e) => e.job);
  }

  async close(): Promise<void> {
    for (const e of this.entries) await e.task.destroy();
  }
}
