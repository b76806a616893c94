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

  /** `refsFor` of several subjects on one platform in one query, in the order asked. */
  async refsForMany(keys: readonly { subject: string; platform: Platform }[]): Promise<MessageRef[][]> {
    if (keys.length === 0) return [];
    const subjects = [...new Set(keys.map((k) => k.subject))];
    const rows = await this.db
      .select()
      .from(messageRefs)
      .where(sql`${messageRefs.subject} = any(${sql.param(subjects)}::text[])`)
      .orderBy(asc(messageRefs.updatedAt), asc(messageRefs.conversation));
    const by = new Map<string, MessageRef[]>();
    for (const r of rows) {
      const key = `${r.platform} ${r.subject}`;
      by.set(key, [...(by.get(key) ?? []), toRef(r)]);
    }
    return keys.map((k) => by.get(`${k.platform} ${k.subject}`) ?? []);
  }

  /** Every message posted about `subject`, optionally on one platform, oldest first. */
  async refsFor(subject: string, platform?: Platform): Promise<MessageRef[]> {
    const rows = await this.db
      .select()
      .from(messageRefs)
      .where(and(eq(messageRefs.subject, subject), platform ? eq(messageRefs.platform, platform) : undefined))
      .orderBy(asc(messageRefs.updatedAt), asc(messageRefs.conversation));
    return rows.map(toRef);
  }
}

function toRef(r: typeof messageRefs.$inferSelect): MessageRef {
  return { platform: r.platform, conversation: r.conversation, messageId: r.messageId, ...(r.extra ? { extra: r.extra } : {}) };
}
