import { jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { Platform } from '../core/index.js';
import { timestamptz } from './columns.js';

/** Where the message about a subject (e.g. `request:R-1`) landed in each conversation, to update it later. */
export const messageRefs = pgTable(
  'message_refs',
  {
    subject: text('subject').notNull(),
    platform: text('platform').$type<Platform>().notNull(),
    conversation: text('conversation').notNull(),
    messageId: text('message_id').notNull(),
    extra: jsonb('extra').$type<Record<string, unknown>>(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'message_refs_pk', columns: [t.subject, t.platform, t.conversation] })],
);

/** Saved platform conversation references (Teams proactive messaging), by platform and key. */
export const conversationRefs = pgTable(
  'conversation_refs',
  {
    platform: text('platform').$type<Platform>().notNull(),
    key: text('key').notNull(),
    reference: jsonb('reference').$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'conversation_refs_pk', columns: [t.platform, t.key] })],
);
