import { describe, expect, it } from 'vitest';
import { ConversationLog, type LogEvent, type MessageDraft } from '../../../../adapters/playground/log.js';
import { ManualClock } from '../../../../src/clock.js';

const draft = (text: string): MessageDraft => ({ from: { id: 'b', name: 'pimbot', isBot: true }, text, textFormat: null, attachments: [], replyToId: null });

describe('ConversationLog', () => {
  it('keeps messages per conversation (a channel post’s ;messageid= is the channel), stamped with the bot’s time', () => {
    const clock = new ManualClock('2026-01-05T09:00:00Z');
    const log = new ConversationLog({ now: () => clock.now() });
    const a = log.append('19:c@thread.tacv2;messageid=123', draft('one'));
    clock.advance(60_000);
    const b = log.append('19:c@thread.tacv2', draft('two'));
    expect(a.conversationId).toBe('19:c@thread.tacv2');
    expect(log.messages('19:c@thread.tacv2').map((m) => [m.text, m.at])).toEqual([
      ['one', '2026-01-05T09:00:00.000Z'],
      ['two', '2026-01-05T09:01:00.000Z'],
    ]);
    expect(b.seq).toBeGreaterThan(a.seq);
  });

  it('drops the oldest messages beyond the bound, and the least recently written conversation beyond its bound', () => {
    const log = new ConversationLog({ now: () => new Date(), maxPerConversation: 3, maxConversations: 2 });
    for (const t of ['1', '2', '3', '4', '5']) log.append('x', draft(t));
    expect(log.messages('x').map((m) => m.text)).toEqual(['3', '4', '5']);
    log.append('y', draft('y'));
    log.append('x', draft('6'));
    log.append('z', draft('z'));
    expect(Object.keys(log.snapshot()).sort()).toEqual(['x', 'z']);
  });

  it('updates and removes messages, telling every listener', () => {
    const log = new ConversationLog({ now: () => new Date() });
    const seen: LogEvent['type'][] = [];
    const stop = log.subscribe((e) => seen.push(e.type));
    const m = log.append('x', draft('a'));
    expect(log.update('x', m.id, { text: 'b' })?.text).toBe('b');
    expect(log.update('x', 'pg-404', { text: 'c' })).toBeNull();
    expect(log.remove('x', m.id)).toBe(true);
    expect(log.remove('x', m.id)).toBe(false);
    stop();
    log.append('x', draft('after'));
    expect(seen).toEqual(['message', 'update', 'delete']);
  });
});
