/**
 * The Pim service: the one way in to the core for adapters, jobs, the CLI and tests. Each method
 * delegates to the feature that owns the rule (src/core/<feature>/); each runs in one
 * transaction, so the state change, its audit rows and its outbox rows commit together.
 */
import * as activation from './activation/index.js';
import * as alerts from './alerts/index.js';
import type { AlertScanResult } from './alerts/index.js';
import type { ActivateInput, ActivateResult, ActivationPlan, ExtendInput, ExtendResult, ExtensionPlan } from './activation/index.js';
import * as approval from './approval/index.js';
import * as assignments from './assignments/index.js';
import type { AssignInput, BootstrapItem, RoleStatus } from './assignments/index.js';
import * as trail from './audit/index.js';
import * as deadlines from './deadlines/index.js';
import type { DeadlineResult } from './deadlines/index.js';
import { sendDigest, type DigestOutcome } from './digest/index.js';
import type { Directory } from './directory.js';
import { enrollMfa } from './mfa/index.js';
import * as reviews from './reviews/index.js';
import type { ReviewInput } from './reviews/index.js';
import type { AlertView, AssignmentView, Notice, ReviewItemView, ReviewSummaryView } from './notices.js';
import type { GrantTarget, OutboxItem } from './ports.js';
import { isAdmin, isAuditor, policyFor, type PimDeps } from './shared/index.js';
import type { Actor, Assignment, AuditEvent, AuditVerification, PimRequest, Policy, Principal, Review, ReviewDecision, ReviewItem, Role } from './types.js';

export type { PimDeps } from './shared/index.js';

export class Pim {
  constructor(private readonly deps: PimDeps) {}

  get directory(): Directory {
    return this.deps.directory;
  }

  get roles(): Role[] {
    return this.deps.roles;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  // ---------------------------------------------------------------- identity and access

  /** Resolves a chat identity to a principal through its configured binding. */
  resolve(platform: 'slack' | 'teams', platformId: string, email?: string): Principal {
    return this.deps.directory.resolve(platform, platformId, email);
  }

  /** Audits a chat account that tried to act as a principal it is not bound to. */
  identityRefused(platform: 'slack' | 'teams', platformId: string, code: string, details: Record<string, unknown> = {}): Promise<void> {
    return trail.identityRefused(this.deps, platform, platformId, code, details);
  }

  /** Records the config this start runs on; returns the changed settings (null the first time). */
  recordConfig(fingerprint: { sha256: string; snapshot: Record<string, unknown> }, source: string): Promise<string[] | null> {
    return trail.recordConfig(this.deps, fingerprint, source);
  }

  // ---------------------------------------------------------------- security alerts

  private get alertSettings() {
    return this.deps.alerts ?? alerts.DEFAULT_ALERT_SETTINGS;
  }

  /** Evaluates the alert rules now: raises new incidents, resolves cleared ones (one replica at a time). */
  scanAlerts(): Promise<AlertScanResult> {
    return alerts.scanAlerts(this.deps, this.alertSettings);
  }

  /** Open alerts, most severe first (admins and auditors). */
  alerts(actor: Actor): Promise<AlertView[]> {
    return alerts.listAlerts(this.deps, actor);
  }

  /** An alert and the assignments it is about, as they are now (admins and auditors). */
  alertItems(actor: Actor, id: string): Promise<{ alert: AlertView; items: AssignmentView[] }> {
    return alerts.alertItems(this.deps, actor, id);
  }

  /** Admin: "Start a review" on an open alert: a one-time access review of its role and scope. */
  async reviewFromAlert(actor: Actor, id: string): Promise<{ alert: AlertView; review: Review; items: ReviewItem[] }> {
    const target = await alerts.reviewTarget(this.deps, actor, id);
    const name = `${target.role}${target.scope ? ` at ${target.scope}` : ''} access review (alert ${target.alert.id})`;
    const started = await reviews.startReview(this.deps, actor, { role: target.role, ...(target.scope ? { scope: target.scope } : {}), reviewers: target.reviewers, name });
    return { alert: target.alert, ...started };
  }

  /** An admin dismisses an open alert with a reason. */
  dismissAlert(actor: Actor, id: string, reason: string): Promise<AlertView> {
    return alerts.dismissAlert(this.deps, actor, id, reason);
  }

  /** The alert, when the actor may dismiss it now (an admin, the alert open); otherwise the refusal, audited. */
  dismissable(actor: Actor, id: string): Promise<AlertView> {
    return alerts.dismissable(this.deps, actor, id);
  }

  /** A named channel refuses messages for good: the admins are told by DM. */
  channelFailing(channel: string, error: string): Promise<unknown> {
    return alerts.raiseChannelFailing(this.deps, this.alertSettings, channel, error);
  }

  /** A message reached a named channel: a failing-channel alert for it resolves. */
  channelDelivered(channel: string): Promise<void> {
    return alerts.channelDelivered(this.deps, channel);
  }

  /** After a reconciliation run: grants held outside PIM are alerts, and those gone resolve. */
  syncOutsidePim(run: { held: alerts.OutsideGrant[]; unlisted: { role: string; scope: string }[] }): Promise<AlertScanResult> {
    return alerts.syncOutsidePim(this.deps, this.alertSettings, run);
  }

  /** Whether grants are checked against their targets (`outside_pim`): only an external provider has targets to list. */
  get checksOutsideGrants(): boolean {
    return !this.deps.provider.inline && this.alertSettings.outside_pim.enabled;
  }

  openAlertCount(): Promise<number> {
    return alerts.countOpenAlerts(this.deps);
  }

  actorFor(principalId: string, platform: Actor['platform']): Actor {
    return { principal: this.deps.directory.require(principalId), platform };
  }

  isAdmin(actor: Actor): boolean {
    return isAdmin(this.deps, actor);
  }

  /** A configured auditor (and not an admin): may read the audit trail and alerts, nothing else. */
  isAuditor(actor: Actor): boolean {
    return isAuditor(this.deps, actor);
  }

  /** Checks the actor may use `alerts` (admins and auditors) or `review start` (admins); a refusal is audited. */
  authorize(actor: Actor, command: 'alerts' | 'review-start'): Promise<void> {
    return trail.authorize(this.deps, actor, command);
  }

  policyFor(roleName: string, scope: string): Policy {
    return policyFor(this.deps, roleName, scope);
  }

  // ---------------------------------------------------------------- reads

  /** The actor's roles: each eligible or active role/scope with its state. */
  myRoles(actor: Actor): Promise<RoleStatus[]> {
    return assignments.myRoles(this.deps, actor);
  }

  /** The actor's open requests. */
  myRequests(actor: Actor): Promise<PimRequest[]> {
    return assignments.myRequests(this.deps, actor);
  }

  /** Pending requests the actor may decide. */
  pendingApprovals(actor: Actor): Promise<PimRequest[]> {
    return approval.pendingApprovals(this.deps, actor);
  }

  getRequest(id: string): Promise<PimRequest | null> {
    return assignments.getRequest(this.deps, id);
  }

  /** Who may decide a request (principal ids), self excluded at decision time. */
  approversFor(r: Pick<PimRequest, 'kind' | 'role' | 'scope'>): string[] {
    return approval.approversFor(this.deps, r);
  }

  canDecide(principalId: string, r: Pick<PimRequest, 'kind' | 'role' | 'scope'>): boolean {
    return approval.canDecide(this.deps, principalId, r);
  }

  /** The approvers asked to decide a request: its approvers but the requester; none when its role left the config. */
  /** Where approval can dead-end (no approver, or an eligible member as the only one), for the start's warnings. */
  approvalDeadEnds(): Promise<string[]> {
    return approval.approvalDeadEnds(this.deps, this.deps.clock.now());
  }

  otherApprovers(r: Pick<PimRequest, 'kind' | 'role' | 'scope' | 'principalId'>): string[] {
    return approval.otherApprovers(this.deps, r);
  }

  /** Whether the actor may see a request's approval card: its requester, an approver or an admin. */
  maySee(actor: Actor, r: Pick<PimRequest, 'kind' | 'role' | 'scope' | 'principalId'>): boolean {
    return approval.maySee(this.deps, actor, r);
  }

  /** The request when the actor may decide it now (to open a Deny or Approve form); throws the refusal approve/deny would give. */
  decidable(actor: Actor, requestId: string): Promise<PimRequest> {
    return approval.decidable(this.deps, actor, requestId);
  }

  /** Audit history for admins and auditors; anyone else is refused, and the refusal audited. */
  auditLog(actor: Actor, q: { user?: string; role?: string; since?: Date; limit?: number }): Promise<AuditEvent[]> {
    return trail.auditLog(this.deps, actor, q);
  }

  /** Posts the audit chain's head (sequence and hash) to the security channel, once a day across replicas. */
  postAuditHead(opts: { timeZone: string }): Promise<trail.AuditHeadOutcome> {
    return trail.postAuditHead(this.deps, opts);
  }

  /** The newest `limit` matching events and how many match in all (admins and auditors), for a page that names what it leaves out. */
  auditPage(actor: Actor, q: { user?: string; role?: string; since?: Date; limit?: number }): Promise<{ events: AuditEvent[]; total: number }> {
    return trail.auditPage(this.deps, actor, q);
  }

  /** Walks the audit chain (admins and auditors): OK with its length, or the first bad row. */
  verifyAudit(actor: Actor): Promise<AuditVerification> {
    return trail.verifyAudit(this.deps, actor);
  }

  // ---------------------------------------------------------------- activation

  /** What an activation needs before it is made (scopes, missing inputs); throws unknown_role / not_eligible. */
  planActivation(actor: Actor, input: ActivateInput): Promise<ActivationPlan> {
    return activation.planActivation(this.deps, actor, input);
  }

  /** Activates an eligible role: at once, at a scheduled time, or after approval. */
  activate(actor: Actor, input: ActivateInput): Promise<ActivateResult> {
    return activation.activate(this.deps, actor, input);
  }

  /** Cancels the actor's own pending or scheduled request. */
  cancel(actor: Actor, requestId: string): Promise<PimRequest> {
    return activation.cancel(this.deps, actor, requestId);
  }

  /** Ends the actor's activation of a role early. */
  deactivate(actor: Actor, roleName: string, scope?: string): Promise<Assignment> {
    return activation.deactivate(this.deps, actor, roleName, scope);
  }

  /** What extending the actor's activation needs; null when the role is not active (extend then renews). */
  planExtension(actor: Actor, input: Omit<ExtendInput, 'durationMs'>): Promise<ExtensionPlan | null> {
    return activation.planExtension(this.deps, actor, input);
  }

  /** Extends an activation within its policy, or asks admins to renew an eligible assignment ending within 14 days. */
  extend(actor: Actor, input: ExtendInput): Promise<ExtendResult> {
    return activation.extend(this.deps, actor, input);
  }

  /** Called by the dispatcher when an external provider confirmed a grant. */
  completeGrant(requestId: string): Promise<PimRequest | null> {
    return activation.completeGrant(this.deps, requestId);
  }

  /** Called by the dispatcher when an external provider finally refused a grant. */
  failGrant(requestId: string, reason: string): Promise<PimRequest | null> {
    return activation.failGrant(this.deps, requestId, reason);
  }

  /** Records an outbox item the dispatcher gave up on. */
  async deliveryFailed(item: OutboxItem, error: string): Promise<void> {
    await trail.deliveryFailed(this.deps, item, error);
    // A named channel that refuses messages cannot hear about it: the admins are told.
    const p = item.payload;
    if (p.type === 'message' && p.to.kind === 'channel') await alerts.raiseChannelFailing(this.deps, this.alertSettings, p.to.channel, error);
  }

  /** Records a revoke the provider could not carry out after every retry. */
  revokeFailed(target: GrantTarget, reason: string): Promise<void> {
    return activation.revokeFailed(this.deps, target, reason);
  }

  // ---------------------------------------------------------------- approval

  /** Approves a pending request. First decision wins; never by the requester. */
  approve(actor: Actor, requestId: string, reason?: string | null, opts: { mfaCode?: string | null } = {}): Promise<PimRequest> {
    return approval.decide(this.deps, actor, requestId, 'approved', reason ?? null, opts.mfaCode ?? null);
  }

  /** Denies a pending request; a reason is required. */
  deny(actor: Actor, requestId: string, reason: string): Promise<PimRequest> {
    return approval.decide(this.deps, actor, requestId, 'denied', reason);
  }

  /** Whether approving this request asks the approver for an MFA code (`approval.requireMfa`). */
  approvalNeedsMfa(r: Pick<PimRequest, 'role' | 'scope'>): boolean {
    return approval.approvalNeedsMfa(this.deps, r);
  }

  /** Brings a queued approval card (or a reviewer's review card) up to its current state before it is delivered. */
  currentNotice(notice: Notice): Promise<Notice> {
    if (notice.kind === 'review_request') return reviews.currentReviewNotice(this.deps, notice);
    return approval.currentNotice(this.deps, notice);
  }

  /** `currentNotice` for a batch: approval cards and request messages are read together. */
  async currentNotices(notices: readonly Notice[]): Promise<Notice[]> {
    const out = await approval.currentNotices(this.deps, notices);
    return Promise.all(out.map((n) => (n.kind === 'review_request' ? reviews.currentReviewNotice(this.deps, n) : n)));
  }

  // ---------------------------------------------------------------- access reviews

  /** Admin: starts a one-time access review of a role now; one DM card per reviewer. */
  startReview(actor: Actor, input: ReviewInput): Promise<{ review: Review; items: ReviewItem[] }> {
    return reviews.startReview(this.deps, actor, input);
  }

  /** A reviewer keeps or removes one item (changeable until the review ends); anyone else is refused and audited. */
  decideReviewItem(actor: Actor, itemId: string, decision: ReviewDecision, reason?: string | null): Promise<{ review: Review; item: ReviewItem; items: ReviewItem[] }> {
    return reviews.decideItem(this.deps, actor, itemId, decision, reason);
  }

  /** "Accept all recommendations": the actor's unanswered items of the review that have one take it. */
  acceptReviewRecommendations(actor: Actor, reviewId: string): Promise<{ review: Review; accepted: number; items: ReviewItem[] }> {
    return reviews.acceptRecommendations(this.deps, actor, reviewId);
  }

  /** A reviewer's decision typed in chat: the item of the review for that person (role and scope narrow it). */
  decideReviewFor(actor: Actor, reviewId: string, target: { principalId: string; role?: string; scope?: string }, decision: ReviewDecision, reason?: string | null): Promise<{ review: Review; item: ReviewItem; items: ReviewItem[] }> {
    return reviews.decideByTarget(this.deps, actor, reviewId, target, decision, reason);
  }

  /** Admin: ends an open review now; applied at once when it auto-applies. */
  stopReview(actor: Actor, id: string): Promise<Review> {
    return reviews.stopReview(this.deps, actor, id);
  }

  /** Admin: applies an ended review (Remove outcomes end their assignments). */
  applyReview(actor: Actor, id: string): Promise<Review> {
    return reviews.applyReview(this.deps, actor, id);
  }

  /** A review with every item (admins and auditors). */
  reviewResults(actor: Actor, id: string): Promise<{ review: Review; items: ReviewItem[] }> {
    return reviews.reviewResults(this.deps, actor, id);
  }

  /** Open reviews with items for the actor to decide. */
  pendingReviews(actor: Actor): Promise<{ review: Review; items: ReviewItem[] }[]> {
    return reviews.pendingReviews(this.deps, actor);
  }

  /** A review's outcome counts, overall and by reviewer. */
  reviewSummary(review: Review, items: ReviewItem[]): ReviewSummaryView {
    return reviews.summarise(this.deps, review, items);
  }

  /** Review items as cards and replies show them (names resolved). */
  reviewItemViews(items: ReviewItem[]): ReviewItemView[] {
    return items.map((i) => reviews.itemView(this.deps, i));
  }

  /** Opens the recurring reviews' runs whose start has come (also run by the deadline loop). */
  openDueReviews(): Promise<string[]> {
    return reviews.openDueRuns(this.deps, this.deps.reviewDefinitions ?? []);
  }

  /** Items of open reviews still unanswered (the digest, the App Home). */
  pendingReviewCount(): Promise<{ reviews: number; items: number }> {
    return reviews.countPendingReviewItems(this.deps);
  }

  // ---------------------------------------------------------------- admin

  /** Admin: assigns a role eligible or active, permanent or time-bound, within the policy's limits. */
  assign(actor: Actor, input: AssignInput): Promise<Assignment> {
    return assignments.assign(this.deps, actor, input);
  }

  /** Admin: removes a user's assignments of a role at a scope or all scopes; a reason is required. */
  remove(actor: Actor, user: string, roleName: string, scope?: string, reasonText?: string | null): Promise<Assignment[]> {
    return assignments.remove(this.deps, actor, user, roleName, scope, reasonText);
  }

  /** Applies `bootstrap.assignments` once, to a database that has none. Returns how many were made. */
  bootstrap(items: BootstrapItem[]): Promise<number> {
    return assignments.bootstrap(this.deps, items);
  }

  /** Enrols an authenticator; shown once, never stored in plaintext (see mfa/enroll.ts for who may). */
  enrollMfa(actor: Actor, principalId: string): Promise<{ secret: string; uri: string }> {
    return enrollMfa(this.deps, actor, principalId);
  }

  // ---------------------------------------------------------------- deadlines and digest

  /** Processes everything that has come due: expiries, time-outs, scheduled starts, warnings. */
  async processDeadlines(batch = 1000): Promise<DeadlineResult> {
    const result = await deadlines.processDeadlines(this.deps, batch);
    // Access reviews open (recurring runs), end (and auto-apply) and remind on the same loop.
    await reviews.openDueRuns(this.deps, this.deps.reviewDefinitions ?? []);
    await reviews.endDueReviews(this.deps);
    await reviews.sendReminders(this.deps);
    return result;
  }

  /** The next instant something comes due (a review's end or reminder included), so a scheduler can wake for it. */
  async nextDeadline(): Promise<Date | null> {
    const [a, b] = await Promise.all([deadlines.nextDeadline(this.deps), reviews.nextReviewDeadline(this.deps)]);
    const c = reviews.nextRunStart(this.deps.reviewDefinitions ?? [], this.deps.clock.now());
    return [a, b, c].reduce<Date | null>((m, d) => (d && (!m || d < m) ? d : m), null);
  }

  /** Sends the weekly digest to admins and the security channel, once per ISO week across replicas. */
  sendDigest(opts: { timeZone: string }): Promise<DigestOutcome> {
    return sendDigest(this.deps, opts);
  }
}
