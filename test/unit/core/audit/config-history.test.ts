import { describe, expect, it } from 'vitest';
import { changedSettings } from '../../../../src/core/audit/config-history.js';

describe('changedSettings', () => {
  it('names each changed value by its path, added and removed keys at their own level', () => {
    const before = { admins: ['erin'], roles: { Owner: { '/': { maxActivationMs: 1, approval: { approvers: ['carol'] } } }, Janitor: { '/': {} } } };
    const after = { admins: ['erin'], roles: { Owner: { '/': { maxActivationMs: 2, approval: { approvers: ['carol', 'dave'] } } }, Reader: { '/': {} } } };
    expect(changedSettings(before, after)).toEqual(['roles.Janitor', 'roles.Owner./.approval.approvers', 'roles.Owner./.maxActivationMs', 'roles.Reader']);
  });

  it('finds nothing between equal snapshots, and names the whole when the kinds differ', () => {
    expect(changedSettings({ a: [1, 2], b: { c: null } }, { a: [1, 2], b: { c: null } })).toEqual([]);
    expect(changedSettings(null, { a: 1 })).toEqual(['(all)']);
  });
});
