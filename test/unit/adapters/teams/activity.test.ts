/** Reading incoming activities: command text, mentions, card actions, and where to post back. */
import { describe, expect, it } from 'vitest';
import { commandText, mentionedUsers, readExecuteAction, readSubmitAction, senderAadId } from '../../../../adapters/teams/activity.js';
import { ReferenceBook, baseConversationId, channelReference, referenceOf } from '../../../../adapters/teams/references.js';
import type { ConversationStorePort } from '../../../../adapters/types.js';

const BOT = { id: '28:bot', name: 'pimbot' };
const botMention = { type: 'mention', text: '<at>pimbot</at>', mentioned: BOT };

describe('commandText', () => {
  it('drops the bot mention wherever it stands', () => {
    expect(commandText({ text: '<at>pimbot</at> activate Owner 1h', recipient: BOT, entities: [botMention] })).toBe('activate Owner 1h');
    expect(commandText({ text: 'roles please <at>pimbot</at>', recipient: BOT, entities: [botMention] })).toBe('roles please');
  });

  it('keeps other mentions and a leading pim for the parser', () => {
    const other = { type: 'mention', text: '<at>Bob</at>', mentioned: { id: '29:bob', name: 'Bob' } };
    expect(commandText({ text: '<at>pimbot</at> pim assign <at>Bob</at> Reader', recipient: BOT, entities: [botMention, other] })).toBe('pim assign <at>Bob</at> Reader');
  });

  it('copes with no text at all', () => {
    expect(commandText({ recipient: BOT })).toBe('');
  });
});

describe('mentionedUsers', () => {
  it('maps each other mention by its text to the principal of its AAD object id', () => {
    const entities = [
      botMention,
      { type: 'mention', text: '<at>Bob Smith</at>', mentioned: { id: '29:bob', name: 'Bob Smith', aadObjectId: 'AB-CD' } },
      { type: 'mention', text: '<at>Nobody</at>', mentioned: { id: '29:x', aadObjectId: 'EF' } },
      { type: 'clientInfo', locale: 'en-US' },
    ];
    const seen: string[] = [];
    const map = mentionedUsers({ recipient: BOT, entities }, (aad) => {
      seen.push(aad);
      return aad === 'ab-cd' ? 'bob@example.com' : null;
    });
    expect(map).toEqual({ 'Bob Smith': { kind: 'id', id: 'bob@example.com' } });
    expect(seen).toEqual(['ab-cd', 'ef']);
  });

  it('ignores entities that are not well-formed mentions', () => {
    expect(mentionedUsers({ recipient: BOT, entities: [{ type: 'mention', text: 7 } as never, { type: 'mention', text: '<at>x</at>' }] }, () => 'x')).toEqual({});
  });
});

describe('senderAadId', () => {
  it('is the lower-cased from.aadObjectId, or null', () => {
    expect(senderAadId({ from: { id: '29:a', name: 'A', aadObjectId: 'ABC-DEF' } })).toBe('abc-def');
    expect(senderAadId({ from: { id: '29:a', name: 'A' } })).toBeNull();
  });
});

describe('readExecuteAction', () => {
  it('reads the verb and data of an Action.Execute', () => {
    expect(readExecuteAction({ action: { type: 'Action.Execute', verb: 'pim_approve', data: { requestId: 'R1' } } })).toEqual({ verb: 'pim_approve', data: { requestId: 'R1' } });
    expect(readExecuteAction({ action: { type: 'Action.Execute', verb: 'pim_refresh' } })).toEqual({ verb: 'pim_refresh', data: {} });
  });

  it.each([null, 'x', {}, { action: 'pim_approve' }, { action: { type: 'Action.Submit', verb: 'pim_approve' } }, { action: { type: 'Action.Execute', verb: '' } }, { action: { type: 'Action.Execute', verb: 'v', data: 'str' } }])(
    'refuses %j',
    (value) => {
      expect(readExecuteAction(value)).toBeNull();
    },
  );
});

describe('readSubmitAction', () => {
  it('reads { verb, ...data }, { action: verb, ...data } and a downgraded Action.Execute', () => {
    expect(readSubmitAction({ verb: 'pim_approve', requestId: 'R1' })).toEqual({ verb: 'pim_approve', data: { requestId: 'R1' } });
    expect(readSubmitAction({ action: 'pim_deny', requestId: 'R1' })).toEqual({ verb: 'pim_deny', data: { requestId: 'R1' } });
    expect(readSubmitAction({ action: { verb: 'pim_deny_submit', data: { requestId: 'R1' } }, pim_deny_reason: 'no' })).toEqual({
      verb: 'pim_deny_submit',
      data: { requestId: 'R1', pim_deny_reason: 'no' },
    });
  });

  it('is null for anything else', () => {
    expect(readSubmitAction({ foo: 1 })).toBeNull();
    expect(readSubmitAction([])).toBeNull();
    expect(readSubmitAction('pim_approve')).toBeNull();
  });
});

describe('references', () => {
  const channelMessage = {
    id: 'm1',
    type: 'message',
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/emea/',
    from: { id: '29:a', name: 'A', aadObjectId: 'abc' },
    recipient: BOT,
    conversation: { id: '19:ops@thread.tacv2;messageid=1712', conversationType: 'channel', isGroup: true, name: '' },
    channelData: { channel: { id: '19:ops@thread.tacv2' }, tenant: { id: 'T1' } },
  };

  it('point a channel reference at the channel (a new post), not the thread or the message', () => {
    expect(baseConversationId(channelMessage)).toBe('19:ops@thread.tacv2');
    const ref = referenceOf(channelMessage);
    expect(ref.conversation?.id).toBe('19:ops@thread.tacv2');
    expect(ref.conversation?.tenantId).toBe('T1');
    expect(ref).not.toHaveProperty('activityId');
    expect(ref.serviceUrl).toBe('https://smba.example/emea/');
  });

  it('build a channel reference from an id and the service meta', () => {
    expect(channelReference('19:x@thread.tacv2', { serviceUrl: 'https://s/', tenantId: 'T', bot: BOT })).toMatchObject({
      channelId: 'msteams',
      serviceUrl: 'https://s/',
      conversation: { id: '19:x@thread.tacv2', conversationType: 'channel', tenantId: 'T' },
      bot: BOT,
    });
  });

  it('are stored under user:<principal> for a personal chat and conv:<id> for a channel, with the service meta', async () => {
    const saved: [string, Record<string, unknown>][] = [];
    const store: ConversationStorePort = {
      save: async (_p, key, ref) => {
        saved.push([key, ref]);
      },
      get: async () => null,
    };
    const book = new ReferenceBook(store, () => new Date(0));
    await book.remember(channelMessage, 'a@example.com');
    await book.remember({ ...channelMessage, conversation: { id: 'a:1', conversationType: 'personal', isGroup: false, name: '' }, channelData: {} }, 'a@example.com');
    await book.remember({ ...channelMessage, conversation: { id: 'a:2', conversationType: 'personal', isGroup: false, name: '' }, channelData: {} }, null); // nobody to key it by
    await book.remember(channelMessage, 'a@example.com'); // unchanged: not written again
    expect(saved.map(([k]) => k)).toEqual(['conv:19:ops@thread.tacv2', 'service:url', 'user:a@example.com']);
    expect(saved[1]?.[1]).toEqual({ serviceUrl: 'https://smba.example/emea/', tenantId: 'T1', bot: BOT });
  });
});
