import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConversationRefStore } from '../../../src/db/conversation-refs.js';
import { DedupeStore } from '../../../src/db/dedupe.js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { META_BOOTSTRAP_APPLIED, MetaStore } from '../../../src/db/meta.js';
import type { MessageRefStore as DispatcherRefs } from '../../../src/jobs/dispatcher.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { at, HOUR, MIN } from '../../support/db-fixtures.js';

let database: TestDatabase;
let refs: MessageRefStore;
let dedupe: DedupeStore;
let meta: MetaStore;
let conversations: ConversationRefStore;

beforeAll(async () => {
  database = await testDatabase();
  refs = new MessageRefStore(database.db);
  dedupe = new DedupeStore(database.db);
  meta = new MetaStore(database.db);
  conversations = new ConversationRefStore(database.db);
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

describe('message refs', () => {
  it('matches the dispatcher contract', () => {
    const r: DispatcherRefs = refs;
    expect(r).toBeDefined();
  });

  it('saves refs per subject and conversation and lists them, optionally by platform', async () => {
    await refs.saveRef('request:R-1', { platform: 'slack', conversation: 'C0APPROVALS', messageId: '1700000000.000100' });
    await refs.saveRef('request:R-1', { platform: 'teams', conversation: '19:abc@thread.tacv2', messageId: 'act-1', extra: { serviceUrl: 'https://smba.example' } });
    await refs.saveRef('request:R-2', { platform: 'slack', conversation: 'C0APPROVALS', messageId: '1700000000.000200' });
    expect(await refs.refsFor('request:R-1', 'slack')).toEqual([{ platform: 'slack', conversation: 'C0APPROVALS', messageId: '1700000000.000100' }]);
    expect(await refs.refsFor('request:R-1', 'teams')).toEqual([
      { platform: 'teams', conversation: '19:abc@thread.tacv2', messageId: 'act-1', extra: { serviceUrl: 'https://smba.example' } },
    ]);
    expect(await refs.refsFor('request:R-1')).toHaveLength(2);
    expect(await refs.refsFor('request:R-9')).toEqual([]);
  });

  it('reads the refs of several subjects at once, per platform and in the order asked', async () => {
    await refs.saveRef('request:R-1', { platform: 'slack', conversation: 'C0APPROVALS', messageId: 's1' });
    await refs.saveRef('request:R-1', { platform: 'slack', conversation: 'D0CAROL', messageId: 's2' });
    await refs.saveRef('request:R-1', { platform: 'teams', conversation: '19:abc@thread.tacv2', messageId: 't1' });
    await refs.saveRef('request:R-2', { platform: 'slack', conversation: 'C0APPROVALS', messageId: 's3' });
    const many = await refs.refsForMany([
      { subject: 'request:R-2', platform: 'slack' },
      { subject: 'request:R-1', platform: 'teams' },
      { subject: 'request:R-9', platform: 'slack' },
      { subject: 'request:R-1', platform: 'slack' },
    ]);
    expect(many).toEqual([
      await refs.refsFor('request:R-2', 'slack'),
      await refs.refsFor('request:R-1', 'teams'),
      [],
      await refs.refsFor('request:R-1', 'slack'),
    ]);
    expect(many[3]).toHaveLength(2);
    expect(await refs.refsForMany([])).toEqual([]);
  });

  it('a second message in the same conversation replaces the first', async () => {
    await refs.saveRef('request:R-1', { platform: 'slack', conversation: 'D0ALICE', messageId: 'old', extra: { a: 1 } });
    await refs.saveRef('request:R-1', { platform: 'slack', conversation: 'D0ALICE', messageId: 'new' });
    expect(await refs.refsFor('request:R-1')).toEqual([{ platform: 'slack', conversation: 'D0ALICE', messageId: 'new' }]);
  });
});

describe('dedupe keys', () => {
  it('claimOnce is true only for the first caller', async () => {
    expect(await dedupe.claimOnce('slack:trigger:123', at(0))).toBe(true);
    expect(await dedupe.claimOnce('slack:trigger:123', at(MIN))).toBe(false);
    expect(await dedupe.claimOnce('slack:trigger:456', at(MIN))).toBe(true);
  });

  it('concurrent claims of one key: exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => dedupe.claimOnce('double-click', at(0))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('prune forgets keys older than the cut-off', async () => {
    await dedupe.claimOnce('old', at(0));
    await dedupe.claimOnce('new', at(2 * HOUR));
    expect(await dedupe.prune(at(HOUR))).toBe(1);
    expect(await dedupe.claimOnce('old', at(3 * HOUR))).toBe(true);
    expect(await dedupe.claimOnce('new', at(3 * HOUR))).toBe(false);
  });
});

describe('meta', () => {
  it('gets undefined for a missing key, then what was set, overwritten by the next set', async () => {
    expect(await meta.get(META_BOOTSTRAP_APPLIED)).toBeUndefined();
    await meta.set(META_BOOTSTRAP_APPLIED, { at: '2030-01-01T00:00:00.000Z', count: 3 });
    expect(await meta.get(META_BOOTSTRAP_APPLIED)).toEqual({ at: '2030-01-01T00:00:00.000Z', count: 3 });
    await meta.set(META_BOOTSTRAP_APPLIED, true);
    expect(await meta.get<boolean>(META_BOOTSTRAP_APPLIED)).toBe(true);
  });

  it('setIfAbsent is true only for the caller that set it', async () => {
    expect(await meta.setIfAbsent('k', 1)).toBe(true);
    expect(await meta.setIfAbsent('k', 2)).toBe(false);
    expect(await meta.get('k')).toBe(1);
  });
});

describe('conversation refs', () => {
  it('saves, replaces and reads a reference by platform and key', async () => {
    expect(await conversations.get('teams', 'user:alice')).toBeNull();
    await conversations.save('teams', 'user:alice', { conversation: { id: 'a:1' } }, at(0));
    await conversations.save('teams', 'user:alice', { conversation: { id: 'a:2' } }, at(MIN));
    expect(await conversations.get('teams', 'user:alice')).toEqual({ conversation: { id: 'a:2' } });
    expect(await conversations.get('slack', 'user:alice')).toBeNull();
  });
});
