import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, formatDuration, HOUR, MINUTE, parseDuration } from '../../../src/core/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * MINUTE],
    ['1h', HOUR],
    ['1h30m', 90 * MINUTE],
    ['90m', 90 * MINUTE],
    ['1.5h', 90 * MINUTE],
    ['2d', 2 * DAY],
    ['45s', 45_000],
    ['1w', 7 * DAY],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('ignores case', () => {
    expect(parseDuration('1H30M')).toBe(90 * MINUTE);
  });

  it('ignores surrounding spaces', () => {
    expect(parseDuration('  2h ')).toBe(2 * HOUR);
  });

  it.each(['', '   ', 'abc', '1', 'h', '1x', '1h 30m', '-1h', '1h-', '1..5h'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('refuses a zero duration', () => {
    expect(parseDuration('0m')).toBeNull();
  });

  it('refuses absurdly long input', () => {
    expect(parseDuration('1m'.repeat(21))).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [30 * MINUTE, '30m'],
    [HOUR, '1h'],
    [90 * MINUTE, '1h30m'],
    [2 * DAY, '2d'],
    [DAY + HOUR + MINUTE + 1000, '1d1h1m1s'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes zero and nonsense as 0m', () => {
    expect(formatDuration(0)).toBe('0m');
    expect(formatDuration(-5)).toBe('0m');
    expect(formatDuration(Number.NaN)).toBe('0m');
  });

  it('round-trips through parseDuration for any whole number of seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3650 * 86_400 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});
