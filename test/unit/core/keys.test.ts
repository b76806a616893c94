// The stored names keep their formats: dedupe keys and message-ref subjects written before a
// deploy must match the ones written after it, or a notice goes out twice or a card is never updated.
import { describe, expect, it } from 'vitest';
import { NOTICE_KINDS, noticeKeys, outboxKeys, subjects } from '../../../src/core/keys.js';
import { ALL_NOTICE_KINDS } from '../cards/fixtures.js';

const END = new Date('2030-01-07T10:00:00.000Z');

describe('keys', () => {
  it('builds subjects as request:<id>, pending:<id>, assignment:<id>, principal:<id>, digest:<week>, config:<source>', () => {
    expect([subjects.request('R-1'), subjects.pending('R-1'), subjects.assignment('a1'), subjects.principal('p'), subjects.digest('2030-W02'), subjects.config('x.yaml')]).toEqual([
      'request:R-1',
      'pending:R-1',
      'assignment:a1',
      'principal:p',
      'digest:2030-W02',
      'config:x.yaml',
    ]);
  });

  it('builds message dedupe keys per notice key, recipient and platform', () => {
    expect(outboxKeys.message(noticeKeys.approval('R-1'), { kind: 'channel', channel: 'approvals' }, 'slack')).toBe('msg:approval:R-1:c:approvals:slack');
    expect(outboxKeys.message(noticeKeys.decided('R-1'), { kind: 'user', principalId: 'alice@example.com' }, 'teams')).toBe('msg:decided:R-1:u:alice@example.com:teams');
    expect(outboxKeys.message(`${noticeKeys.activated('R-1')}:activated`, { kind: 'channel', channel: 'security' }, 'slack')).toBe('msg:activated:R-1:activated:c:security:slack');
  });

  it('builds warning, lockout, update, grant and revoke keys', () => {
    expect(noticeKeys.activationWarning('a1', END)).toBe('warn:a1:2030-01-07T10:00:00.000Z');
    expect(noticeKeys.assignmentWarning('14d', 'a1', END)).toBe('warn14d:a1:2030-01-07T10:00:00.000Z');
    expect(noticeKeys.mfaLocked('Alice@Example.com', END)).toBe('mfa-locked:alice@example.com:2030-01-07T10:00:00.000Z');
    expect(noticeKeys.decision('denied', 'R-1')).toBe('denied:R-1');
    expect(noticeKeys.timedOut('R-1')).toBe('timed_out:R-1');
    expect(outboxKeys.cardUpdate('R-1', 'decided', 'slack')).toBe('update:R-1:decided:slack');
    expect(outboxKeys.pendingUpdate('R-1', 'canceled', 'teams')).toBe('update:pending:R-1:canceled:teams');
    expect([outboxKeys.grant('R-1'), outboxKeys.assignmentGrant('a1'), outboxKeys.revoke('a1')]).toEqual(['grant:R-1', 'grant:assignment:a1', 'revoke:a1']);
  });

  it('lists every notice kind', () => {
    expect(Object.keys(NOTICE_KINDS).sort()).toEqual(Object.keys(ALL_NOTICE_KINDS).sort());
  });
});
