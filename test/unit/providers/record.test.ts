import { describe, expect, it } from 'vitest';
import type { GrantTarget } from '../../../src/core/index.js';
import { RecordProvider } from '../../../src/providers/record.js';

const TARGET: GrantTarget = {
  assignmentId: 'asg_1',
  principalId: 'alice@example.com',
  role: 'Owner',
  scope: '/subscriptions/prod',
  endsAt: null,
  requestId: null,
};

describe('RecordProvider', () => {
  it('is the inline provider named record', () => {
    const p = new RecordProvider();
    expect(p.name).toBe('record');
    expect(p.inline).toBe(true);
  });

  it('grants and revokes without doing anything, any number of times', async () => {
    const p = new RecordProvider();
    await expect(p.grant(TARGET)).resolves.toBeUndefined();
    await expect(p.grant(TARGET)).resolves.toBeUndefined();
    await expect(p.revoke(TARGET)).resolves.toBeUndefined();
    await expect(p.revoke(TARGET)).resolves.toBeUndefined();
  });
});
