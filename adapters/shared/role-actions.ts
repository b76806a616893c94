/**
 * What the role and request buttons on cards and home views do (Deactivate, Extend, Cancel), for
 * any platform: one core call each, the result or the refusal as a `Reply`. A button's hint is
 * only a hint: the core re-reads the assignment or request and checks the actor.
 */
import { extendReply, extensionForm, type ExtensionForm, type Reply } from '../../cards/model.js';
import { type Actor, isPimError, MINUTE, type Pim, requestView, type ReviewView, reviewView } from '../../src/core/index.js';

/** How much an Extend button adds to an active activation (the policy's maximum still applies). */
export const BUTTON_EXTENSION_MS = 30 * MINUTE;

/** Runs a core call; a PimError becomes an error reply, anything else is thrown. */
export async function refusalAsReply(fn: () => Promise<Reply>): Promise<Reply> {
  try {
    return await fn();
  } catch (e) {
    if (isPimError(e)) return { kind: 'error', message: e.message };
    throw e;
  }
}

/** Deactivate button: ends the actor's activation of the role early. */
export function deactivateByButton(pim: Pim, actor: Actor, role: string, scope: string | null): Promise<Reply> {
  return refusalAsReply(async () => {
    const a = await pim.deactivate(actor, role, scope ?? undefined);
    return { kind: 'deactivated', role: a.role, scope: a.scope };
  });
}

/** Cancel button: cancels the actor's own pending or scheduled request. */
export function cancelByButton(pim: Pim, actor: Actor, requestId: string): Promise<Reply> {
  return refusalAsReply(async () => {
    const r = await pim.cancel(actor, requestId);
    return { kind: 'canceled', request: requestView(pim.directory, r) };
  });
}

/** What the Extend button leads to: an answer, or the extension form to fill in. */
export type ExtendPress = { type: 'reply'; reply: Reply } | { type: 'extend_form'; form: ExtensionForm };

/**
 * Extend button (expiry warnings): adds `BUTTON_EXTENSION_MS` to the actor's activation of the
 * role when its policy asks for nothing more (approval still applies). When it asks for a reason,
 * a ticket or an MFA code, or 30 minutes would pass the policy's maximum (counted from the
 * activation's start), the answer is the extension form, pre-filled. An eligible assignment that
 * ends soon is renewed with a reason and an admin's approval, which a button cannot give: the
 * reply says how.
 */
export async function extendByButton(pim: Pim, actor: Actor, role: string, scope: string | null): Promise<ExtendPress> {
  try {
    const plan = await pim.planExtension(actor, { role, scope: scope ?? undefined });
    if (!plan) {
      return {
        type: 'reply',
        reply: {
          kind: 'text',
          text: `${role} is not active for you, so there is nothing to extend. To renew an eligibility that ends soon, use the extend command with a duration and a reason, e.g. extend "${role}" 90d --reason "still on the on-call rota"; a PIM admin approves it.`,
        },
      };
    }
    // With no time left the core refuses (and audits) whatever is asked; otherwise a form when a press cannot say enough.
    if (plan.roomMs >= MINUTE && (plan.missing.length > 0 || plan.roomMs < BUTTON_EXTENSION_MS)) return { type: 'extend_form', form: extensionForm(plan) };
    const result = await pim.extend(actor, { role: plan.role.name, scope: plan.scope, durationMs: BUTTON_EXTENSION_MS });
    return { type: 'reply', reply: extendReply(result, BUTTON_EXTENSION_MS, (id) => pim.directory.get(id)?.name ?? id) };
  } catch (e) {
    if (isPimError(e)) return { type: 'reply', reply: { kind: 'error', message: e.message } };
    throw e;
  }
}

/**
 * Keep or Remove on a reviewer's review card: the core re-checks that the presser reviews the
 * item and that the review is open; the card itself is updated through the outbox.
 */
export async function reviewByButton(pim: Pim, actor: Actor, itemId: string, decision: 'keep' | 'remove', reason: string | null = null): Promise<{ ok: true; reply: Reply } | { ok: false; reply: Reply }> {
  try {
    const done = await pim.decideReviewItem(actor, itemId, decision, reason);
    const [item] = pim.reviewItemViews([done.item]);
    return { ok: true, reply: { kind: 'review_decided', review: reviewView(done.review), item: item as NonNullable<typeof item> } };
  } catch (e) {
    if (isPimError(e) && e.code === 'reason_required') return { ok: false, reply: { kind: 'error', message: 'This review asks for a reason with each decision: write it in the Reason field under the item, then press Keep or Remove again.' } };
    if (isPimError(e)) return { ok: false, reply: { kind: 'error', message: e.message } };
    throw e;
  }
}

/** "Accept all recommendations" on a review card: the core decides which of the presser's items take theirs. */
export async function acceptAllByButton(pim: Pim, actor: Actor, reviewId: string): Promise<{ ok: true; reply: Reply; review: ReviewView } | { ok: false; reply: Reply }> {
  try {
    const done = await pim.acceptReviewRecommendations(actor, reviewId);
    return { ok: true, review: reviewView(done.review), reply: { kind: 'text', text: `Accepted ${done.accepted} recommendation${done.accepted === 1 ? '' : 's'} in ${done.review.name}; you can change any of them until the review ends.` } };
  } catch (e) {
    if (isPimError(e)) return { ok: false, reply: { kind: 'error', message: e.message } };
    throw e;
  }
}

/** "Affected items" on an alert card: the assignments the alert is about now (admins and auditors). */
export function alertItemsByButton(pim: Pim, actor: Actor, alertId: string): Promise<Reply> {
  return refusalAsReply(async () => ({ kind: 'alert_items', ...(await pim.alertItems(actor, alertId)) }));
}

/** "Start a review" on an alert card: a one-time access review of the alert's role (admins). */
export function reviewFromAlertByButton(pim: Pim, actor: Actor, alertId: string): Promise<Reply> {
  return refusalAsReply(async () => {
    const { review, items } = await pim.reviewFromAlert(actor, alertId);
    const reviewers = new Set(items.flatMap((i) => i.reviewers.map((id) => id.toLowerCase()))).size;
    return { kind: 'review_started', review: reviewView(review), items: items.length, reviewers, fallback: items.filter((i) => i.fallback).length };
  });
}
