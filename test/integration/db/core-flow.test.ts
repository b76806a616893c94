/**
 * The core's Pim service and the outbox dispatcher running on this storage layer: an approval
 * flow from request to expiry, every notice delivered, and an audit chain that verifies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type GrantProvider } from '../../../src/core/index.js';
import { buildCore } from '../../../src/core-factory.js';
import { verifyAuditChain } from '../../../src/db/audit-verify.js';
import { MessageRefStore } from '../../../src/db/message-refs.js';
import { OutboxQueue } from '../../../src/db/outbox-queue.js';
import { Dispatcher } from '../../../src/jobs/dispatcher.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { testKeyRing } from '../../support/keys.js';
import { HOUR, ManualClock, MIN, T0 } from '../../support/db-fixtures.js';
import { RecordingMessenger } from '../../support/recording-messenger.js';

let database: TestDatabase;
const clock = new ManualClock();

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());
beforeEach(async () => {
  clock.set(T0);
  await truncateAll(database.db);
});

function setup() {
  let wakes = 0;
  const policy = { ...DEFAULT_POLICY, maxActivationMs: HOUR, approval: { required: true, approvers: ['group:sre-leads'], timeoutMs: 24 * HOUR } };
  const provider: GrantProvider = { name: 'record', inline: true, grant: async () => {}, revoke: async () => {}, list: async () => null };
  const { pim } = buildCore({
    config: {
      principals: [
        { id: 'alice@example.com', name: 'Alice', kind: 'user', slack: 'U0ALICE' },
        { id: 'carol@example.com', name: 'Carol', kind: 'user', slack: 'U0CAROL' },
      ],
      groups: [{ id: 'sre-leads', members: ['carol@example.com'] }],
      admins: ['carol@example.com'],
      auditors: [],
      roles: [{ name: 'Owner', scopes: [{ path: '/subscriptions/prod', policy }] }],
      channels: { approvals: {} },
    },
    database,
    clock,
    onOutboxCommit: () => wakes++,
    platforms: () => ['slack'],
    keys: testKeyRing(),
    provider,
  });
  const messenger = new RecordingMessenger();
  const silent = { info() {}, warn() {}, error() {} };
  const dispatcher = new Dispatcher({
    queue: new OutboxQueue(database.db),
    refs: new MessageRefStore(database.db),
    messengers: () => [messenger],
    provider,
    hooks: {
      currentNotice: (n) => pim.currentNotice(n),
      completeGrant: (id) => pim.completeGrant(id),
      failGrant: async () => {},
      revokeFailed: async () => {},
      deadLettered: async () => {},
    },
    clock,
    logger: silent,
  });
  return { pim, dispatcher, messenger, wakes: () => wakes };
}

describe('Pim on the storage layer', () => {
  it('request -> approve -> active -> expired, with notices delivered and a verifiable audit trail', async () => {
    const { pim, dispatcher, messenger, wakes } = setup();
    const alice = pim.actorFor('alice@example.com', 'slack');
    const carol = pim.actorFor('carol@example.com', 'slack');
    expect(await pim.bootstrap([{ principal: 'alice@example.com', role: 'Owner', type: 'eligible', endsAt: null }])).toBe(1);

    const requested = await pim.activate(alice, { role: 'Owner', durationMs: HOUR, reason: 'deploy' });
    expect(requested.outcome).toBe('pending_approval');
    expect(wakes()).toBeGreaterThan(0);
    await dispatcher.runOnce();
    // Asked in chat: the card; the requester's message is the command's answer (no DM).
    expect(messenger.sent.map((m) => m.notice.kind).sort()).toEqual(['approval_request']);

    clock.advance(MIN);
    const approved = await pim.approve(carol, requested.request.id);
    expect(approved.state).toBe('active');
    await expect(pim.approve(carol, requested.request.id)).rejects.toThrow();
    await dispatcher.runOnce();
    expect(messenger.updated.length).toBeGreaterThan(0); // the approval card was updated in place
    // The holder's warning, warnBefore (10m) the end, is the first thing due.
    expect(await pim.nextDeadline()).toEqual(new Date(T0.getTime() + MIN + HOUR - 10 * MIN));

    clock.advance(HOUR);
    const counts = await pim.processDeadlines();
    expect(counts.expired).toBe(1);
    expect((await pim.getRequest(requested.request.id))?.state).toBe('expired');
    await dispatcher.runOnce();
    expect(messenger.sent.some((m) => m.notice.kind === 'activation_ended')).toBe(true);
    expect(await new OutboxQueue(database.db).depth()).toBe(0);

    const verdict = await verifyAuditChain(database.db);
    expect(verdict.ok).toBe(true);
    expect(verdict.ok && verdict.count).toBeGreaterThanOrEqual(5);
  });
});
