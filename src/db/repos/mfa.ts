import { and, eq, lt } from 'drizzle-orm';
import type { MfaRepo } from '../../core/ports.js';
import type { Db } from '../client.js';
import { mfaSecrets } from '../mfa.sql.js';

export class DrizzleMfaRepo implements MfaRepo {
  constructor(private readonly db: Db) {}

  async getSecret(principalId: string): Promise<{ secret: string; lastStep: number } | null> {
    const [row] = await this.db
      .select({ secret: mfaSecrets.secret, lastStep: mfaSecrets.lastStep })
      .from(mfaSecrets)
      .where(eq(mfaSecrets.principalId, principalId));
    return row ?? null;
  }

  /** Enrols or re-enrols; the last used step is kept, so it never moves backwards. */
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
}
