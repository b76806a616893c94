/**
 * What access-review messages say: a reviewer's card (their items with Keep and Remove), the
 * summary for the security channel, and the replies to `reviews`, `review start` and
 * `review results`. Text here is raw; the renderers escape it.
 */
import { REASON_MAX, REVIEW_ACCEPT_ALL, REVIEW_KEEP, REVIEW_REMOVE, reviewReasonField } from './actions.js';
import type { Block, Button, Content, Fact, Line, Span } from './content.js';
import { clip, formatDay, formatWhen, oneLine, plural } from './format.js';
import type { RenderContext, ReviewItemView, ReviewSummaryView, ReviewView } from './model.js';

/** How many items one card lists (Block Kit allows 50 blocks; Adaptive Cards stay readable). */
export const REVIEW_ITEMS_SHOWN = 15;
/** The same with a reason field under each item (three Slack blocks an item, not two). */
export const REVIEW_ITEMS_SHOWN_WITH_REASON = 12;
/** From how many unanswered items with a recommendation the card offers "Accept all recommendations". */
export const ACCEPT_ALL_FROM = 2;

const t = (text: string): Span => ({ text });
const b = (text: string): Span => ({ text: oneLine(clip(text, 200)), style: 'bold' });
const c = (text: string): Span => ({ text: oneLine(clip(text, 300)), style: 'code' });
const i = (text: string): Span => ({ text: oneLine(clip(text, 500)), style: 'italic' });
const fact = (label: string, value: string): Fact => ({ label, value });

const WORD = { keep: 'Keep', remove: 'Remove' } as const;

function whereLine(v: ReviewView): Span[] {
  return v.scope ? [b(v.role), t(' at '), c(v.scope)] : [b(v.role), t(' (every scope)')];
}

/** The facts line under an item: type, since, end, activity. */
function itemDetail(it: ReviewItemView, ctx: RenderContext): Line {
  const parts = [
    `${it.type}`,
    `since ${formatDay(it.since, ctx)}`,
    it.endsAt ? `ends ${formatDay(it.endsAt, ctx)}` : 'permanent',
    it.lastActivationAt ? `last activated ${formatDay(it.lastActivationAt, ctx)}` : it.type === 'eligible' ? 'never activated' : null,
    it.type === 'eligible' ? `${plural(it.activations, 'activation')} in the window` : null,
  ].filter((x): x is string => x !== null);
  return [t(parts.join(' · '))];
}

function recommendationLine(it: ReviewItemView): Line {
  if (!it.recommendation) return [t('Recommendation: none ('), i(it.recommendationReason), t(')')];
  return [t('Recommended: '), b(WORD[it.recommendation]), t(' ('), i(it.recommendationReason), t(')')];
}

function decisionLine(it: ReviewItemView, ctx: RenderContext): Line | null {
  if (!it.decision) return null;
  const mark = it.decision === 'keep' ? '✅ Kept' : '🗑️ Removed';
  const line: Line = [t(mark), ...(it.decidedBy ? [t(' by '), b(it.decidedBy.name)] : []), ...(it.decidedAt ? [t(` ${formatWhen(it.decidedAt, ctx)}`)] : [])];
  if (it.reason) line.push(t(': '), i(it.reason));
  return line;
}

function itemBlock(it: ReviewItemView, self: boolean, open: boolean, ctx: RenderContext, requireReason = false): Block {
  const head: Line = self ? [t('Do you still need '), b(it.role), t(' at '), c(it.scope), t('?')] : [b(it.principal.name), t(' · '), b(it.role), t(' at '), c(it.scope)];
  const lines = [head, itemDetail(it, ctx), recommendationLine(it)];
  const decided = decisionLine(it, ctx);
  if (decided) lines.push(decided);
  if (!open && it.applied) lines.push([t(it.applied === 'remove' ? 'Applied: the assignment was removed.' : 'Applied: kept.')]);
  const buttons: Button[] = open
    ? [
        { label: it.decision === 'keep' ? 'Keep ✓' : 'Keep', action: REVIEW_KEEP, hint: { itemId: it.id }, ...(it.decision === 'keep' ? {} : { style: 'primary' as const }) },
        { label: it.decision === 'remove' ? 'Remove ✓' : 'Remove', action: REVIEW_REMOVE, hint: { itemId: it.id }, ...(it.decision === 'remove' ? {} : { style: 'danger' as const }) },
      ]
    : [];
  // A review that requires reasons asks for one under each open item: Keep and Remove carry it.
  const input = open && requireReason ? { id: reviewReasonField(it.id), label: 'Reason', placeholder: 'Why keep or remove it', maxLength: REASON_MAX } : undefined;
  return { type: 'item', lines, buttons, ...(input ? { input } : {}) };
}

/** A reviewer's card: their items, Keep and Remove while the review is open. */
export function reviewRequestContent(n: { review: ReviewView; reviewer: { name: string }; self: boolean; items: ReviewItemView[]; reminder?: 'halfway' | '1d' }, ctx: RenderContext): Content {
  const v = n.review;
  const open = v.state === 'open';
  const undecided = n.items.filter((x) => !x.decision).length;
  // Undecided first, so what still needs an answer is on the card.
  const max = open && v.requireReason ? REVIEW_ITEMS_SHOWN_WITH_REASON : REVIEW_ITEMS_SHOWN;
  const shown = [...n.items].sort((a, b2) => Number(a.decision !== null) - Number(b2.decision !== null)).slice(0, max);
  const intro: Line = n.self
    ? [t('🔍 '), b(v.name), t(': please confirm you still need '), b(plural(n.items.length, 'assignment')), t(` by ${formatWhen(v.endsAt, ctx)}.`)]
    : [t('🔍 '), b(v.name), t(': please review '), b(plural(n.items.length, 'assignment')), t(' of '), ...whereLine(v), t(` by ${formatWhen(v.endsAt, ctx)}.`)];
  const blocks: Block[] = [{ type: 'header', text: n.reminder ? 'Access review reminder' : 'Access review' }];
  if (n.reminder) blocks.push({ type: 'text', lines: [[t(n.reminder === '1d' ? '⏰ One day left: ' : '⏰ Halfway through: '), b(plural(undecided, 'item')), t(' still wait for your decision.')]] });
  blocks.push({ type: 'text', lines: [intro] });
  if (!open) blocks.push({ type: 'text', lines: [[t(v.state === 'applied' ? '🔒 This review has ended and been applied; decisions are final.' : '🔒 This review has ended; decisions are final.')]] });
  for (const it of shown) blocks.push(itemBlock(it, n.self, open, ctx, v.requireReason));
  if (n.items.length > shown.length) blocks.push({ type: 'note', lines: [[t(`…and ${n.items.length - shown.length} more; decide them first, or type `), c('reviews'), t('.')]] });
  const notes: Line[] = [];
  if (open && v.requireReason) notes.push([t('This review asks for a reason with each decision: write it under the item, then press Keep or Remove (or type '), c(`review keep ${v.id}${n.self ? '' : ' <user>'} --reason "…"`), t(').')]);
  if (open) notes.push([t(`You can change a decision until the review ends. Unanswered items: ${DEFAULT_WORDS[v.defaultDecision]}.`)]);
  if (notes.length) blocks.push({ type: 'note', lines: notes });
  // Reviewers with many items take the recommendations in one press (Entra's "Accept recommendations").
  const acceptable = n.items.filter((x) => !x.decision && x.recommendation).length;
  const buttons: Button[] = open && acceptable >= ACCEPT_ALL_FROM ? [{ label: `Accept all recommendations (${acceptable})`, action: REVIEW_ACCEPT_ALL, hint: { reviewId: v.id } }] : [];
  return { summary: `${v.name}: ${open ? `${plural(undecided, 'item')} to review by ${formatDay(v.endsAt, ctx)}` : 'ended'}`, blocks, buttons };
}

const DEFAULT_WORDS = { none: 'left as they are', keep: 'kept', remove: 'removed', recommendation: 'follow the recommendation' } as const;

/** The summary card: counts and who decided what. */
export function reviewSummaryContent(s: ReviewSummaryView, stage: 'ended' | 'applied'): Content {
  const v = s.review;
  const blocks: Block[] = [
    { type: 'header', text: stage === 'applied' ? 'Access review applied' : 'Access review ended' },
    { type: 'text', lines: [[t('🔍 '), b(v.name), t(' ('), c(v.id), t(') of '), ...whereLine(v), t(stage === 'applied' ? ' has ended and been applied.' : ` has ended; an admin applies it with `), ...(stage === 'applied' ? [] : [c(`review apply ${v.id}`), t('.')])]] },
    { type: 'facts', facts: [fact('Kept', String(s.kept)), fact('Removed', String(s.removed)), fact('Not reviewed', String(s.notReviewed)), fact('Applied', String(s.applied))] },
  ];
  if (s.byReviewer.length) blocks.push({ type: 'text', lines: s.byReviewer.slice(0, 20).map((r): Line => [t('• '), b(r.reviewer.name), t(`: ${r.kept} kept, ${r.removed} removed`)]) });
  blocks.push({ type: 'note', lines: [[t('Every item, decision and reason: '), c(`review results ${v.id} --csv`), t('.')]] });
  return { summary: `${v.name}: ${s.kept} kept, ${s.removed} removed, ${s.notReviewed} not reviewed`, blocks, buttons: [] };
}

/** `reviews`: what waits for the caller. */
export function pendingReviewsContent(list: { review: ReviewView; items: ReviewItemView[] }[], ctx: RenderContext): Content {
  if (list.length === 0) return { summary: 'No access reviews wait for you', blocks: [{ type: 'text', lines: [[t('No access reviews wait for you.')]] }], buttons: [] };
  const blocks: Block[] = [{ type: 'header', text: 'Access reviews for you' }];
  let shown = 0;
  for (const { review, items } of list) {
    const waiting = items.filter((x) => !x.decision).length;
    blocks.push({ type: 'text', lines: [[b(review.name), t(' ('), c(review.id), t(`): ${waiting} of ${plural(items.length, 'item')} to decide by ${formatWhen(review.endsAt, ctx)}`)]] });
    for (const it of items) {
      if (shown >= REVIEW_ITEMS_SHOWN) break;
      blocks.push(itemBlock(it, false, true, ctx));
      shown++;
    }
  }
  const total = list.reduce((n, x) => n + x.items.filter((y) => !y.decision).length, 0);
  return { summary: `${plural(total, 'review item')} wait for you`, blocks, buttons: [] };
}

/** `review start`: what was opened. */
export function reviewStartedContent(v: ReviewView, items: number, reviewers: number, fallback: number, ctx: RenderContext): Content {
  return {
    summary: `Access review ${v.id} started: ${plural(items, 'item')}`,
    blocks: [
      { type: 'text', lines: [[t('🔍 Started '), b(v.name), t(' ('), c(v.id), t(') of '), ...whereLine(v), t(`: ${plural(items, 'assignment')}, ${plural(reviewers, 'reviewer')} told by DM, ending ${formatWhen(v.endsAt, ctx)}.`)]] },
      ...(fallback > 0 ? [{ type: 'note' as const, lines: [[t(`${plural(fallback, 'item')} had no reviewer and went to the fallback reviewers.`)]] }] : []),
      { type: 'note', lines: [[c(`review stop ${v.id}`), t(' ends it early; '), c(`review results ${v.id}`), t(' shows where it stands.')]] },
    ],
    buttons: [],
  };
}

/** `review results`: the summary and every item. */
export function reviewResultsContent(s: ReviewSummaryView, items: ReviewItemView[]): Content {
  const base = reviewSummaryContent(s, s.review.state === 'applied' ? 'applied' : 'ended');
  const lines = items.slice(0, 40).map((it): Line => [
    t('• '),
    b(it.principal.name),
    t(' · '),
    b(it.role),
    t(' at '),
    c(it.scope),
    t(` · ${it.decision ? `${WORD[it.decision]}${it.decidedBy ? ` by ${it.decidedBy.name}` : ''}` : 'not reviewed'}${it.applied ? ` · applied ${WORD[it.applied].toLowerCase()}` : ''}`),
  ]);
  return {
    summary: `Access review ${s.review.id} (${s.review.state}): ${plural(items.length, 'item')}`,
    blocks: [{ type: 'header', text: `Access review ${s.review.state === 'open' ? '(open)' : s.review.state === 'applied' ? '(applied)' : '(ended)'}` }, ...base.blocks.slice(1), ...(lines.length ? [{ type: 'text' as const, lines }] : []), ...(items.length > 40 ? [{ type: 'note' as const, lines: [[t(`…and ${items.length - 40} more; `), c(`review results ${s.review.id} --csv`), t(' has them all.')]] }] : [])],
    buttons: [],
  };
}
