import { describe, expect, it } from 'vitest';
import { hintValue, parseHint } from '../../../cards/actions.js';
import { clip, formatRelative, formatTime, formatUntil, formatWhen, joinAnd } from '../../../cards/format.js';
import { ctx } from './fixtures.js';

const utc = { timeZone: 'UTC', now: ctx.now };

describe('formatTime', () => {
  it('shows only the clock for today, in the context zone with its abbreviation', () => {
    expect(formatTime('2025-06-03T12:32:00Z', ctx)).toBe('14:32 CEST');
    expect(formatTime('2025-06-03T12:32:00Z', utc)).toBe('12:32 UTC');
  });

  it('adds the day within the year and the year otherwise', () => {
    expect(formatTime('2025-06-04T06:00:00Z', ctx)).toBe('Wed 4 Jun, 08:00 CEST');
    expect(formatTime('2025-12-24T17:00:00Z', ctx)).toBe('Wed 24 Dec, 18:00 CET');
    expect(formatTime('2026-01-02T09:15:00Z', ctx)).toBe('2 Jan 2026, 10:15 CET');
  });

  it('decides "today" in the context zone, not in UTC', () => {
    // 23:30 UTC on 3 June is already 4 June in Berlin.
    expect(formatTime('2025-06-03T23:30:00Z', ctx)).toBe('Wed 4 Jun, 01:30 CEST');
    expect(formatTime('2025-06-03T23:30:00Z', utc)).toBe('23:30 UTC');
  });

  it('falls back to UTC for an unknown zone rather than failing', () => {
    expect(formatTime('2025-06-03T12:32:00Z', { timeZone: 'Mars/Olympus', now: ctx.now })).toBe('12:32 UTC');
  });

  it('accepts a Date', () => {
    expect(formatTime(new Date('2025-06-03T12:32:00Z'), ctx)).toBe('14:32 CEST');
  });
});

describe('formatRelative', () => {
  it.each([
    ['2025-06-03T12:45:00Z', 'in 45m'],
    ['2025-06-03T13:30:00Z', 'in 1h30m'],
    ['2025-06-03T11:50:00Z', '10m ago'],
    ['2025-06-03T12:00:20Z', 'now'],
    ['2025-06-05T15:10:00Z', 'in 2d3h'],
  ])('%s is %s', (t, expected) => {
    expect(formatRelative(t, ctx)).toBe(expected);
  });

  it('combines with the time', () => {
    expect(formatWhen('2025-06-03T12:45:00Z', ctx)).toBe('14:45 CEST (in 45m)');
    expect(formatUntil('2025-06-03T12:45:00Z', ctx)).toBe('until 14:45 CEST (in 45m)');
    expect(formatUntil(null, ctx)).toBe('permanently');
  });
});

describe('clip', () => {
  it('leaves short text alone and ends long text with an ellipsis within the limit', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcdef', 4)).toBe('abc…');
  });

  it('never cuts an escaped entity in half', () => {
    const clipped = clip('ab&amp;cd', 6);
    expect(clipped).toBe('ab…');
    expect(clip('&lt;&lt;&lt;', 7)).toBe('&lt;…');
  });

  it('never splits a surrogate pair', () => {
    const clipped = clip('a😀b', 3);
    expect(clipped).toBe('a…');
  });
});

describe('joinAnd', () => {
  it('joins with commas and "and"', () => {
    expect(joinAnd([])).toBe('');
    expect(joinAnd(['a'])).toBe('a');
    expect(joinAnd(['a', 'b', 'c'])).toBe('a, b and c');
  });
});

describe('button hints', () => {
  it('round-trip a request id and a role with scope', () => {
    expect(parseHint(hintValue({ requestId: 'R1' }))).toEqual({ requestId: 'R1' });
    expect(parseHint(hintValue({ role: 'Owner', scope: '/subscriptions/prod' }))).toEqual({ role: 'Owner', scope: '/subscriptions/prod' });
    expect(parseHint({ requestId: 'R1' })).toEqual({ requestId: 'R1' });
  });

  it('reject what is not a hint', () => {
    expect(parseHint('not json')).toBeNull();
    expect(parseHint('{"requestId":5}')).toBeNull();
    expect(parseHint(null)).toBeNull();
  });

  it('stay within a Slack button value, dropping the scope of a pathological role', () => {
    const value = hintValue({ role: 'Owner', scope: 's'.repeat(3000) });
    expect(value.length).toBeLessThanOrEqual(2000);
    expect(parseHint(value)).toEqual({ role: 'Owner', scope: null });
  });
});
