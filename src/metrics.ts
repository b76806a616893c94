/** Prometheus metrics served at /metrics. One registry per app instance (tests start several). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditAction, AuditEvent } from './core/index.js';

export interface Metrics {
  registry: Registry;
  ackLatency: Histogram<'platform' | 'kind'>;
  activations: Counter<'outcome'>;
  approvals: Counter<'outcome'>;
  expiryLag: Histogram;
  outboxDepth: Gauge;
  /** Where the outbox depth gauge reads from at scrape time. */
  setOutboxDepthSource(fn: () => Promise<number>): void;
  deliveryLatency: Histogram<'type' | 'platform'>;
  deliveryFailures: Counter<'type' | 'platform' | 'final'>;
  /** Differences reconciliation found between a target system and PIM, by kind and what was done. */
  reconcileFindings: Counter<'kind' | 'action'>;
  /** Reconciliation runs: `ran`, `locked` (another replica ran it), `failed`. */
  reconcileRuns: Counter<'outcome'>;
  /** Role-and-scope pairs whose target could not be listed. */
  reconcileErrors: Counter;
}

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry, prefix: 'pimbot_' });
  let depthSource: (() => Promise<number>) | null = null;
  const ms = [5, 10, 25, 50, 100, 150, 250, 500, 1000, 2500, 5000];
  return {
    registry,
    ackLatency: new Histogram({ name: 'pimbot_ack_latency_ms', help: 'Time from a chat request arriving to its acknowledgement', labelNames: ['platform', 'kind'], buckets: ms, registers: [registry] }),
    activations: new Counter({ name: 'pimbot_activations_total', help: 'Activation requests by outcome', labelNames: ['outcome'], registers: [registry] }),
    approvals: new Counter({ name: 'pimbot_approvals_total', help: 'Approval decisions by outcome', labelNames: ['outcome'], registers: [registry] }),
    expiryLag: new Histogram({ name: 'pimbot_expiry_lag_ms', help: 'Time from an assignment end to its expiry being processed', buckets: [10, 50, 100, 250, 500, 1000, 2000, 5000, 30000], registers: [registry] }),
    outboxDepth: new Gauge({
      name: 'pimbot_outbox_depth',
      help: 'Outbox items waiting for delivery',
      registers: [registry],
      async collect() {
        if (depthSource) this.set(await depthSource());
      },
    }),
    setOutboxDepthSource(fn) {
      depthSource = fn;
    },
    deliveryLatency: new Histogram({ name: 'pimbot_delivery_latency_ms', help: 'Time from commit to delivery of an outbox item', labelNames: ['type', 'platform'], buckets: ms, registers: [registry] }),
    deliveryFailures: new Counter({ name: 'pimbot_delivery_failures_total', help: 'Failed deliveries (final = given up)', labelNames: ['type', 'platform', 'final'], registers: [registry] }),
    reconcileFindings: new Counter({ name: 'pimbot_reconcile_findings_total', help: 'Differences between a target system and PIM found by reconciliation', labelNames: ['kind', 'action'], registers: [registry] }),
    reconcileRuns: new Counter({ name: 'pimbot_reconcile_runs_total', help: 'Reconciliation runs by outcome', labelNames: ['outcome'], registers: [registry] }),
    reconcileErrors: new Counter({ name: 'pimbot_reconcile_list_errors_total', help: 'Role-and-scope pairs whose target could not be listed', registers: [registry] }),
  };
}

/** Activation outcomes, by the audit action that records them. */
const ACTIVATION_OUTCOMES: Partial<Record<AuditAction, string>> = {
  'activation.started': 'started',
  'activation.expired': 'expired',
  'activation.deactivated': 'deactivated',
  'activation.removed': 'revoked',
  'grant.failed': 'failed',
  'refused.activate': 'refused',
};

/** Approval outcomes, by the audit action that records them. */
const APPROVAL_OUTCOMES: Partial<Record<AuditAction, string>> = {
  'request.approved': 'approved',
  'request.denied': 'denied',
  'request.timed_out': 'timed_out',
  'refused.approve': 'refused',
  'refused.deny': 'refused',
};

/**
 * Counts activations and approvals from the audit rows of a committed transaction: whatever the
 * entry point (Slack, Teams, the CLI, the deadline loop), a counted outcome is one that happened.
 * An activation request is `requested`; what became of it is counted when it happens.
 */
/** The counters bumped per activation and approval outcome (a registry's, or forwarded to one). */
export interface OutcomeCounters {
  activations: { inc(labels: { outcome: string }): void };
  approvals: { inc(labels: { outcome: string }): void };
}

export function countAudit(metrics: OutcomeCounters, events: readonly AuditEvent[]): void {
  for (const e of events) {
    if (e.action === ('request.created' satisfies AuditAction) && e.details.kind === 'activate') metrics.activations.inc({ outcome: 'requested' });
    const activation = ACTIVATION_OUTCOMES[e.action as AuditAction];
    if (activation) metrics.activations.inc({ outcome: activation });
    const approval = APPROVAL_OUTCOMES[e.action as AuditAction];
    if (approval) metrics.approvals.inc({ outcome: approval });
  }
}
