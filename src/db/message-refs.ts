/** Where messages about a subject were posted, so later notices update them in place. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { MessageRef, Platform } from '../core/index.js';
import type { Db } from './client.js';
import { messageRefs } from './messaging.sql.js';

export class MessageRefStore {
  constructor(private readonly db: Db) {}

  /** Records (or replaces) the message for `subject` in `ref.conversation`. */
  async saveRef(subject: string, ref: MessageRef): Promise<void> {
    const values = {
      subject,
      platform: ref.platform,
      conversation: ref.conversation,
      messageId: ref.messageId,
      extra: ref.extra ?? null,
    };
    await this.db
      .insert(messageRefs)
      .values(values)
      .onConflictDoUpdate({
        target: [messageRefs.subject, messageRefs.platform, messageRefs.conversation],
        set: { messageId: values.messageId, extra: values.extra, updatedAt: sql`now()` },
      });
  }

  /** Every message posted about `subject`, optionally on one platform, oldest first. */
  async refsFor(subject: string, platform?: Platform): Promise<MessageRef[]> {
    const rows = await this.db
      .select()
      .from(messageRefs)
      .where(and(eq(messageRefs.subject, subject), platform ? eq(messageRefs.platform, platform) : undefined))
      .orderBy(asc(messageRefs.updatedAt), asc(messageRefs.conversation));
    return rows.map((r) => ({
      platform: r.platform,
      conversation: r.conversation,
      messageId: r.messageId,
      ...(r.extra ? { extra: r.extra } : {}),
    }));
  }
}
