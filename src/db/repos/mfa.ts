import { and, count, eq, gte, lt } from 'drizzle-orm';
import type { MfaRepo } from '../../core/index.js';
import type { Db } from '../client.js';
import { mfaFailures, mfaSecrets } from '../mfa.sql.js';

export class DrizzleMfaRepo implements MfaRepo {
  constructor(private readonly db: Db) {}

  /** The stored secret, encrypted as written (src/mfa/secret-box.ts). */
  async getSecret(principalId: string): Promise<{ secret: string; lastStep: number } | null> {
    const [row] = await this.db
      .select({ secret: mfaSecrets.secret, lastStep: mfaSecrets.lastStep })
      .from(mfaSecrets)
      .where(eq(mfaSecrets.principalId, principalId));
    return row ?? null;
  }

  /** Enrols or re-enrols; the last used step (and any lock) is kept, so neither moves backwards. */
  async setSecret(principalId: string, secret: string, at: Date): Promise<void> {
    await this.db
      .insert(mfaSecrets)
      .values({ principalId, secret, enrolledAt: at })
      .onConflictDoUpdate({ target: mfaSecrets.principalId, set: { secret, enrolledAt: at } });
  }

  async useStep(principalId: string, step: number): Promise<boolean> {
    const rows = await this.db
      .update(mfaSecrets)
      .set({ lastStep: step })
      .where(and(eq(mfaSecrets.principalId, principalId), lt(mfaSecrets.lastStep, step)))
      .returning({ principalId: mfaSecrets.principalId });
    return rows.length > 0;
  }

  /** Locks the principal's row until commit (FOR UPDATE): checks of one principal's codes run one at a time. */
  async lockForCheck(principalId: string): Promise<{ lockedUntil: Date | null } | null> {
    const [row] = await this.db
      .select({ lockedUntil: mfaSecrets.lockedUntil })
      .from(mfaSecrets)
      .where(eq(mfaSecrets.principalId, principalId))
      .for('update');
    return row ?? null;
  }

  async recordFailure(principalId: string, at: Date, forgetBefore: Date): Promise<void> {
    await this.db.delete(mfaFailures).where(and(eq(mfaFailures.principalId, principalId), lt(mfaFailures.at, forgetBefore)));
    await this.db.insert(mfaFailures).values({ principalId, at });
  }

  async countFailures(principalId: string, since: Date): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(mfaFailures)
      .where(and(eq(mfaFailures.principalId, principalId), gte(mfaFailures.at, since)));
    return row?.n ?? 0;
  }

  async lockUntil(principalId: string, until: Date): Promise<void> {
    await this.db.update(mfaSecrets).set({ lockedUntil: until }).where(eq(mfaSecrets.principalId, principalId));
  }

  async clearFailures(principalId: string): Promise<void> {
    await this.db.delete(mfaFailures).where(eq(mfaFailures.principalId, principalId));
  }

  async allSecrets(): Promise<{ principalId: string; secret: string }[]> {
    return this.db.select({ principalId: mfaSecrets.principalId, secret: mfaSecrets.secret }).from(mfaSecrets);
  }

  async replaceSecret(principalId: string, from: string, to: string): Promise<boolean> {
    const rows = await this.db
      .update(mfaSecrets)
      .set({ secret: to })
      .where(and(eq(mfaSecrets.principalId, principalId), eq(mfaSecrets.secret, from)))
      .returning({ principalId: mfaSecrets.principalId });
    return rows.length > 0;
  }
}
