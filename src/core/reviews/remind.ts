/**
 * Reminders: halfway through a review and one day before its end, each sent once (marked by
 * compare-and-set, so two replicas send it once), to the reviewers with items still unanswered.
 */
import { noticeKeys, subjects } from '../keys.js';
import { appendAudit, sendTo, type PimDeps } from '../shared/index.js';
import type { Review } from '../types.js';
import { reviewCard, reviewersOf } from './views.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a review's reminders fall due; the last-day one only when the review lasts longer than a day. */
export function reminderTimes(r: Pick<Review, 'startsAt' | 'endsAt'>): { halfway: Date; '1d': Date | null } {
  const start = r.startsAt.getTime();
  const end = r.endsAt.getTime();
  return { halfway: new Date(start + (end - start) / 2), '1d': end - DAY_MS > start + (end - start) / 2 ? new Date(end - DAY_MS) : null };
}

/** Sends the reminders that have come due; returns how many reviewers were reminded. */
export async function sendReminders(deps: PimDeps): Promise<number> {
  return deps.store.transaction(async (uow) => {
    const now = deps.clock.now();
    let sent = 0;
    for (const r of await uow.reviews.find(['open'])) {
      if (!r.settings.reminders || r.endsAt <= now) continue;
      const times = reminderTimes(r);
      for (const which of ['halfway', '1d'] as const) {
        const at = times[which];
        if (!at || at > now || (which === 'halfway' ? r.remindedHalfwayAt : r.remindedLastDayAt)) continue;
        // A review past both points at once (the bot was down) sends only the later reminder.
        if (which === 'halfway' && times['1d'] && times['1d'] <= now) {
          await uow.reviews.markReminded(r.id, which, now);
          continue;
        }
        if (!(await uow.reviews.markReminded(r.id, which, now))) continue;
        const items = await uow.reviews.items(r.id);
        const waiting = reviewersOf(items.filter((i) => i.decision === null));
        for (const id of waiting) {
          await sendTo(deps, uow, { kind: 'user', principalId: id }, noticeKeys.reviewReminder(which, r.id, id), reviewCard(deps, r, items, id, which), subjects.reviewCard(r.id, id));
        }
        await appendAudit(uow, { at: now, actor: 'system', action: 'review.reminded', subject: subjects.review(r.id), details: { which, reviewers: waiting.length } });
        sent += waiting.length;
      }
    }
    return sent;
  });
}

/** The next instant a review ends or a reminder falls due. */
export async function nextReviewDeadline(deps: PimDeps): Promise<Date | null> {
  const open = await deps.store.transaction((uow) => uow.reviews.find(['open']));
  let next: Date | null = null;
  const consider = (d: Date | null) => {
    if (d && (!next || d < next)) next = d;
  };
  for (const r of open) {
    consider(r.endsAt);
    if (!r.settings.reminders) continue;
    const t = reminderTimes(r);
    if (!r.remindedHalfwayAt) consider(t.halfway);
    if (!r.remindedLastDayAt) consider(t['1d']);
  }
  return next;
}


