/**
 * Recurring reviews (`reviews:` in the config): each run opens once, by whichever replica gets
 * there first (a job lock, then the run's row: definition and start are unique), also when the
 * bot was down at the start, as long as the run has not ended yet.
 */
import { isPimError } from '../errors.js';
import { lockKeys } from '../keys.js';
import type { PimDeps } from '../shared/index.js';
import type { ReviewDefinition } from '../types.js';
import { openReview } from './open.js';
import { currentRun, nextRun } from './recurrence.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What names a definition's runs of one role in the database. */
export const definitionKey = (d: ReviewDefinition, role: string): string => `${d.name}:${role}`;

/** Opens the runs whose start has come; returns the ids of the reviews opened. */
export async function openDueRuns(deps: PimDeps, definitions: readonly ReviewDefinition[]): Promise<string[]> {
  if (definitions.length === 0) return [];
  return deps.store.transaction(async (uow) => {
    if (!(await uow.locks.tryLock(lockKeys.reviews))) return [];
    const now = deps.clock.now();
    const opened: string[] = [];
    for (const d of definitions) {
      const run = currentRun(d, now);
      if (!run || now.getTime() >= run.startsAt.getTime() + d.durationDays * DAY_MS) continue;
      for (const role of d.roles) {
        const key = definitionKey(d, role);
        if (await uow.reviews.hasRun(key, run.startsAt)) continue;
        try {
          const { review } = await openReview(
            deps,
            uow,
            'system',
            { role, ...(d.scope ? { scope: d.scope } : {}), reviewers: d.reviewers, durationDays: d.durationDays, name: d.roles.length > 1 ? `${d.name} (${role})` : d.name, settings: d.settings },
            key,
            now,
            run.startsAt,
          );
          opened.push(review.id);
        } catch (e) {
          // Nothing in scope this time (or the role left the config): no run, nothing written.
          if (isPimError(e) && ['no_review_items', 'unknown_role', 'unknown_scope'].includes(e.code)) continue;
          throw e;
        }
      }
    }
    return opened;
  });
}

/** The next instant a recurring run starts. */
export function nextRunStart(definitions: readonly ReviewDefinition[], now: Date): Date | null {
  let next: Date | null = null;
  for (const d of definitions) {
    const s = nextRun(d, now);
    if (s && (!next || s < next)) next = s;
  }
  return next;
}
