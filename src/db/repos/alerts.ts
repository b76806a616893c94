import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Alert, AlertRepo, AlertRule, AlertSeverity, AlertState } from '../../core/index.js';
import { alerts } from '../alerts.sql.js';
import type { Db } from '../client.js';

type AlertRow = typeof alerts.$inferSelect;

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    rule: r.rule as AlertRule,
    key: r.key,
    severity: r.severity as AlertSeverity,
    state: r.state as AlertState,
    subject: r.subject,
    facts: r.facts,
    measure: r.measure,
    ...(r.since ? { since: r.since } : {}),
    openedAt: r.openedAt,
    updatedAt: r.updatedAt,
    resolvedAt: r.resolvedAt,
    dismissedAt: r.dismissedAt,
    dismissedBy: r.dismissedBy,
    dismissReason: r.dismissReason,
  };
}

export class DrizzleAlertRepo implements AlertRepo {
  constructor(private readonly db: Db) {}

  /** The live-key unique index refuses a second open or dismissed alert for one key. */
  async insert(a: Alert): Promise<boolean> {
    const rows = await this.db
      .insert(alerts)
      .values({
        id: a.id,
        rule: a.rule,
        key: a.key,
        severity: a.severity,
        state: a.state,
        subject: a.subject as Record<string, string>,
        facts: a.facts,
        measure: a.measure,
        since: a.since ?? null,
        openedAt: a.openedAt,
        updatedAt: a.updatedAt,
        resolvedAt: a.resolvedAt,
        dismissedAt: a.dismissedAt,
        dismissedBy: a.dismissedBy,
        dismissReason: a.dismissReason,
      })
      .onConflictDoNothing({ target: alerts.key, where: sql`state in ('open', 'dismissed')` })
      .returning({ id: alerts.id });
    return rows.length > 0;
  }

  async get(id: string): Promise<Alert | null> {
    const [row] = await this.db.select().from(alerts).where(eq(alerts.id, id));
    return row ? toAlert(row) : null;
  }

  async live(key: string): Promise<Alert | null> {
    const [row] = await this.db.select().from(alerts).where(and(eq(alerts.key, key), inArray(alerts.state, ['open', 'dismissed'])));
    return row ? toAlert(row) : null;
  }

  async find(states: AlertState[]): Promise<Alert[]> {
    if (states.length === 0) return [];
    const rows = await this.db.select().from(alerts).where(inArray(alerts.state, states)).orderBy(asc(alerts.openedAt), asc(alerts.id));
    return rows.map(toAlert);
  }

  async transition(id: string, from: AlertState[], patch: Partial<Alert> & { state: AlertState; updatedAt: Date }): Promise<Alert | null> {
    const { id: _id, rule: _rule, key: _key, subject, since, ...rest } = patch;
    const [row] = await this.db
      .update(alerts)
      .set({ ...rest, ...(subject ? { subject: subject as Record<string, string> } : {}), ...(since ? { since } : {}) })
      .where(and(eq(alerts.id, id), inArray(alerts.state, from)))
      .returning();
    return row ? toAlert(row) : null;
  }

  async refresh(id: string, patch: Pick<Alert, 'facts' | 'measure' | 'severity' | 'updatedAt'>): Promise<void> {
    await this.db.update(alerts).set(patch).where(eq(alerts.id, id));
  }

  async count(states: AlertState[]): Promise<number> {
    if (states.length === 0) return 0;
    const [row] = await this.db.select({ n: count() }).from(alerts).where(inArray(alerts.state, states));
    return Number(row?.n ?? 0);
  }
}
