import { describe, expect, it } from 'vitest';
import { Directory } from '../../../src/core/directory.js';
import { PimError, type ErrorCode } from '../../../src/core/errors.js';
import type { Group, Principal } from '../../../src/core/types.js';

const alice: Principal = { id: 'alice@example.com', name: 'Alice', kind: 'user', email: 'alice@example.com', slack: 'U0ALICE', teams: '6f1a0c2e-0000-4000-8000-00000000a11c' };
const bob: Principal = { id: 'bob@example.com', name: 'Bob', kind: 'user', email: 'bob@example.com', slack: 'U0BOB' };
const carol: Principal = { id: 'carol@example.com', name: 'Carol', kind: 'user', email: 'carol@example.com', teams: '6f1a0c2e-0000-4000-8000-0000000ca501' };
/** Known by an object id, with an e-mail alias. */
const svc: Principal = { id: '0b5e1d2c-aaaa-4bbb-8ccc-000000000001', name: 'Deploy bot', kind: 'service', email: 'deploy@example.com' };

const groups: Group[] = [
  { id: 'sre-leads', members: ['carol@example.com', 'group:oncall'] },
  { id: 'oncall', members: ['bob@example.com', 'group:nested-deep'] },
  { id: 'nested-deep', members: ['alice@example.com'] },
  // a cycle: loop-a -> loop-b -> loop-a
  { id: 'loop-a', members: ['bob@example.com', 'group:loop-b'] },
  { id: 'loop-b', members: ['carol@example.com', 'group:loop-a'] },
  { id: 'self', members: ['group:self'] },
];

const directory = () => new Directory([alice, bob, carol, svc], groups, ['bob@example.com']);

function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PimError);
    return (e as PimError).code;
  }
  throw new Error('expected a PimError, nothing was thrown');
}

describe('identity resolution', () => {
  it('resolves a Slack user id through its binding', () => {
    expect(directory().resolve('slack', 'U0ALICE').id).toBe('alice@example.com');
  });

  it('resolves a Teams AAD object id through its binding', () => {
    expect(directory().resolve('teams', '6f1a0c2e-0000-4000-8000-0000000ca501').id).toBe('carol@example.com');
  });

  it('matches a Teams object id whatever the case of the GUID', () => {
    expect(directory().resolve('teams', '6F1A0C2E-0000-4000-8000-0000000CA501').id).toBe('carol@example.com');
  });

  it('does not match a Slack id of another case (Slack ids are exact)', () => {
    expect(codeOf(() => directory().resolve('slack', 'u0alice'))).toBe('unknown_user');
  });

  it('falls back to the e-mail the platform reports when the id is not bound', () => {
    expect(directory().resolve('slack', 'U0NEWCAROL', 'Carol@Example.com').id).toBe('carol@example.com');
  });

  it('falls back to the e-mail alias of a principal known by object id', () => {
    expect(directory().resolve('teams', 'ffffffff-0000-4000-8000-000000000000', 'deploy@example.com').id).toBe(svc.id);
  });

  it('prefers the platform binding over the e-mail', () => {
    expect(directory().resolve('slack', 'U0ALICE', 'bob@example.com').id).toBe('alice@example.com');
  });

  it('refuses an unknown identity with unknown_user', () => {
    expect(codeOf(() => directory().resolve('slack', 'U0NOBODY'))).toBe('unknown_user');
  });

  it('refuses an unknown identity with an unknown e-mail with unknown_user', () => {
    expect(codeOf(() => directory().resolve('slack', 'U0NOBODY', 'nobody@example.com'))).toBe('unknown_user');
  });

  it('refuses a platform id bound to two principals with ambiguous_user', () => {
    const twin: Principal = { id: 'twin@example.com', name: 'Twin', kind: 'user', slack: 'U0ALICE' };
    const d = new Directory([alice, twin], [], []);
    expect(codeOf(() => d.resolve('slack', 'U0ALICE'))).toBe('ambiguous_user');
  });

  it('refuses an e-mail shared by two principals with ambiguous_user', () => {
    const a: Principal = { id: 'obj-1', name: 'A', kind: 'user', email: 'shared@example.com' };
    const b: Principal = { id: 'obj-2', name: 'B', kind: 'user', email: 'shared@example.com' };
    const d = new Directory([a, b], [], []);
    expect(codeOf(() => d.resolve('teams', 'ffffffff-0000-4000-8000-000000000000', 'shared@example.com'))).toBe('ambiguous_user');
  });
});

describe('lookup by id', () => {
  it('finds a principal by id whatever the case', () => {
    expect(directory().require('ALICE@example.COM').id).toBe('alice@example.com');
  });

  it('finds a principal by its e-mail alias', () => {
    expect(directory().require('deploy@example.com').id).toBe(svc.id);
  });

  it('refuses an unknown id with unknown_user', () => {
    expect(codeOf(() => directory().require('mallory@example.com'))).toBe('unknown_user');
  });
});

describe('groups', () => {
  it('expands a group into its direct members', () => {
    expect(directory().expand(['group:nested-deep'])).toEqual(['alice@example.com']);
  });

  it('expands nested groups into distinct principal ids', () => {
    expect(directory().expand(['group:sre-leads', 'carol@example.com']).sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
  });

  it('expands a cycle of groups without looping', () => {
    expect(directory().expand(['group:loop-a']).sort()).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('expands a group that contains itself to nobody', () => {
    expect(directory().expand(['group:self'])).toEqual([]);
  });

  it('expands an unknown group to nobody', () => {
    expect(directory().expand(['group:ghosts'])).toEqual([]);
  });

  it('gives user references the directory spelling', () => {
    expect(directory().expand(['Alice@Example.com'])).toEqual(['alice@example.com']);
  });

  it('knows membership through nested groups', () => {
    expect(directory().groupContains('sre-leads', 'alice@example.com')).toBe(true);
  });

  it('knows membership in a cycle without looping', () => {
    expect(directory().groupContains('loop-b', 'bob@example.com')).toBe(true);
    expect(directory().groupContains('loop-a', 'alice@example.com')).toBe(false);
  });

  it('lists every group a principal belongs to, directly or nested', () => {
    expect(directory().groupsOf('alice@example.com').sort()).toEqual(['nested-deep', 'oncall', 'sre-leads']);
  });

  it('matches a principal named through a group, case-insensitively', () => {
    expect(directory().matches(['group:sre-leads'], 'BOB@example.com')).toBe(true);
    expect(directory().matches(['group:loop-a'], 'alice@example.com')).toBe(false);
  });
});

describe('admins', () => {
  it('knows a directly named admin, case-insensitively', () => {
    expect(directory().isAdmin('Bob@Example.com')).toBe(true);
    expect(directory().isAdmin('alice@example.com')).toBe(false);
  });

  it('knows an admin through a (nested) group', () => {
    const d = new Directory([alice, bob, carol], groups, ['group:sre-leads']);
    expect(d.isAdmin('alice@example.com')).toBe(true);
    expect(d.adminIds().sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
  });

  it('knows an admin through a group whose id has capitals', () => {
    const d = new Directory([alice, bob], [{ id: 'PIM-Admins', members: ['alice@example.com'] }], ['group:PIM-Admins']);
    expect(d.isAdmin('alice@example.com')).toBe(true);
    expect(d.adminIds()).toEqual(['alice@example.com']);
  });
});

describe('find: a person someone typed', () => {
  it('finds by id, e-mail, a unique display name or a unique e-mail local part', () => {
    const d = directory();
    expect(d.find('BOB@example.com').id).toBe('bob@example.com');
    expect(d.find('deploy@example.com').id).toBe(svc.id);
    expect(d.find('carol').id).toBe('carol@example.com');
    expect(d.find('Deploy bot').id).toBe(svc.id);
    expect(d.find('deploy').id).toBe(svc.id);
  });

  it('refuses nobody with no_such_user, naming what was typed and an address like the directory’s', () => {
    let err: PimError | undefined;
    try {
      directory().find('dave');
    } catch (e) {
      err = e as PimError;
    }
    expect(err?.code).toBe('no_such_user');
    expect(err?.message).toBe('No one called `dave` — use an id or e-mail such as dave@example.com.');
    expect(err?.message).not.toContain('You are not');
  });

  it('refuses a name two people share', () => {
    const d = new Directory([alice, { ...bob, name: 'Alice' }], [], []);
    expect(codeOf(() => d.find('nobody'))).toBe('no_such_user');
    expect(d.find('alice@example.com').id).toBe('alice@example.com');
    expect(codeOf(() => d.find('Alice'))).toBe('ambiguous_user_ref');
  });
});
