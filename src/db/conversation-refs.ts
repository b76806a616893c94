/** Saved platform conversation references (Teams proactive messaging needs one per user/channel). */
import { and, eq } from 'drizzle-orm';
import type { Platform } from '../core/index.js';
import type { Db } from './client.js';
import { conversationRefs } from './messaging.sql.js';

export class ConversationRefStore {
  constructor(private readonly db: Db) {}

  async save(platform: Platform, key: string, reference: Record<string, unknown>, at: Date): Promise<void> {
    await this.db
      .insert(conversationRefs)
      .values({ platform, key, reference, updatedAt: at })
      .onConflictDoUpdate({ target: [conversationRefs.platform, conversationRefs.key], set: { reference, updatedAt: at } });
  }

  async get(platform: Platform, key: string): Promise<Record<string, unknown> | null> {
    const [row] = await this.db
      .select({ reference: conversationRefs.reference })
      .from(conversationRefs)
      .where(and(eq(conversationRefs.platform, platform), eq(conversationRefs.key, key)));
    return row?.reference ?? null;
  }
}
