import { describe, expect, it } from 'vitest';
import { ADAPTIVE_CARD, connectorCall, draftOf } from '../../../../adapters/playground/connector.js';

describe('connectorCall', () => {
  it('reads the Bot Connector routes botbuilder calls, with their ids decoded', () => {
    expect(connectorCall('POST', '/playground/connector/v3/conversations')).toMatchObject({ create: true });
    expect(connectorCall('POST', '/playground/connector/v3/conversations/19%3Aapprovals%40thread.tacv2/activities')).toMatchObject({
      create: false,
      conversationId: '19:approvals@thread.tacv2',
      activityId: null,
    });
    expect(connectorCall('PUT', '/playground/connector/v3/conversations/a%3Apg-dm-x/activities/pg-7')).toMatchObject({ conversationId: 'a:pg-dm-x', activityId: 'pg-7' });
  });

  it('is null for anything else', () => {
    expect(connectorCall('GET', '/playground/connector/v3/conversations')).toBeNull();
    expect(connectorCall('POST', '/playground/connector/v3/conversations/x/members')).toBeNull();
    expect(connectorCall('POST', '/playground/connector/v3/conversations/x/activities/y/z')).toBeNull();
    expect(connectorCall('POST', '/playground/connector/v3/conversations/%E0%A4%A/activities')).toBeNull();
    expect(connectorCall('POST', '/elsewhere/v3/conversations')).toBeNull();
  });
});

describe('draftOf', () => {
  it('keeps a message activity’s text, cards and other attachments', () => {
    const card = { type: 'AdaptiveCard', version: '1.5', body: [] };
    const draft = draftOf(
      {
        type: 'message',
        text: 'hi',
        textFormat: 'plain',
        from: { id: '28:bot', name: 'pimbot' },
        replyToId: 'pg-1',
        attachments: [{ contentType: ADAPTIVE_CARD, content: card }, { contentType: 'text/csv', name: 'audit.csv' }, 'junk'],
      },
      true,
    );
    expect(draft).toEqual({
      from: { id: '28:bot', name: 'pimbot', isBot: true },
      text: 'hi',
      textFormat: 'plain',
      replyToId: 'pg-1',
      attachments: [{ contentType: ADAPTIVE_CARD, content: card }, { contentType: 'text/csv', name: 'audit.csv' }],
    });
  });

  it('is null for activities that show nothing (typing) and for what is not an activity', () => {
    expect(draftOf({ type: 'typing' }, true)).toBeNull();
    expect(draftOf('message', true)).toBeNull();
    expect(draftOf(null, true)).toBeNull();
  });
});
