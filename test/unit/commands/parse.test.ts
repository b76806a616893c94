import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  COMMAND_NAMES,
  CommandSchema,
  helpText,
  parseCommand,
  USAGE,
  type Command,
  type ParseError,
  type ParseOptions,
} from '../../../src/commands/index.js';
import { formatDuration, parseDuration } from '../../../src/core/index.js';

const now = new Date('2026-11-24T10:00:00Z');
const H = 3_600_000;
const M = 60_000;
const D = 86_400_000;

function parse(text: string, opts: Partial<ParseOptions> = {}): Command {
  const r = parseCommand(text, { now, ...opts });
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${r.error.message}`);
  return r.command;
}

function refuse(text: string, opts: Partial<ParseOptions> = {}): ParseError {
  const r = parseCommand(text, { now, ...opts });
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused, got ${JSON.stringify(r.command)}`);
  return r.error;
}

describe('simple commands', () => {
  it.each(['roles', 'status', 'requests', 'approvals', 'reviews', 'alerts'] as const)('parses %s', (name) => {
    expect(parse(name)).toEqual({ name });
  });

  it('parses alert <id> (what it is about), alert dismiss, and a bare alert as alerts; anything else says what alert takes', () => {
    expect(parse('alert A-7K2Q9XA')).toEqual({ name: 'alert-show', alertId: 'A-7K2Q9XA' });
    expect(parse('alert a-7k2q9xa')).toEqual({ name: 'alert-show', alertId: 'a-7k2q9xa' });
    expect(parse('alert dismiss A-7K2Q9XA --reason "known"')).toEqual({ name: 'alert-dismiss', alertId: 'A-7K2Q9XA', reason: 'known' });
    expect(parse('alert')).toEqual({ name: 'alerts' });
    expect(refuse('alert frobnicate').message).toContain('alert needs an alert id or dismiss, e.g. alert A-7K2Q9XA');
  });

  it('parses help', () => {
    expect(parse('help')).toEqual({ name: 'help' });
  });

  it('treats empty text as help', () => {
    expect(parse('   ')).toEqual({ name: 'help' });
  });

  it('parses help for one command', () => {
    expect(parse('help activate')).toEqual({ name: 'help', topic: 'activate' });
  });

  it('parses help for review start', () => {
    expect(parse('help review start')).toEqual({ name: 'help', topic: 'review-start' });
  });

  it('turns --help after a verb into help for that command', () => {
    expect(parse('activate Owner --help')).toEqual({ name: 'help', topic: 'activate' });
  });

  it('refuses help for an unknown command, pointing at help', () => {
    const e = refuse('help frobnicate');
    expect(e.message).toBe('There is no command `frobnicate`. Try `help` for the list.');
    expect(e.usage).toBe(USAGE.help);
  });

  it('refuses arguments to a command that takes none', () => {
    expect(refuse('roles now').message).toBe('roles takes nothing after it; remove `now`.');
  });

  it('refuses options to a command that takes none', () => {
    expect(refuse('status --all').message).toBe('Unknown option --all for status.');
  });

  it('reads command names case-insensitively', () => {
    expect(parse('ACTIVATE Owner')).toEqual({ name: 'activate', role: 'Owner' });
  });

  it('keeps the role as typed', () => {
    expect(parse('activate oWnEr')).toEqual({ name: 'activate', role: 'oWnEr' });
  });
});

describe('prefixes from each platform', () => {
  it('strips /pim from playground text', () => {
    expect(parse('/pim activate Owner 1h')).toEqual({ name: 'activate', role: 'Owner', durationMs: H });
  });

  it('strips a leading pim word from Teams text', () => {
    expect(parse('pim activate Owner 1h')).toEqual({ name: 'activate', role: 'Owner', durationMs: H });
  });

  it('strips a leading PIM word case-insensitively', () => {
    expect(parse('PIM roles')).toEqual({ name: 'roles' });
  });

  it('strips a Teams <at> bot mention', () => {
    expect(parse('<at>PIM Bot</at> activate Owner 1h')).toEqual({ name: 'activate', role: 'Owner', durationMs: H });
  });

  it('strips a typed @name mention', () => {
    expect(parse('@pimbot activate Owner 1h')).toEqual({ name: 'activate', role: 'Owner', durationMs: H });
  });

  it('strips a Slack app mention', () => {
    expect(parse('<@U0BOT> status')).toEqual({ name: 'status' });
  });

  it('strips a mention followed by pim', () => {
    expect(parse('<at>pimbot</at> pim status')).toEqual({ name: 'status' });
  });

  it('treats a bare mention as help', () => {
    expect(parse('<at>pimbot</at>')).toEqual({ name: 'help' });
  });

  it('does not strip a word that only starts with pim', () => {
    expect(refuse('pimple').message).toContain('`pimple`');
  });

  it('reads Teams &nbsp; as a space', () => {
    expect(parse('activate&nbsp;Owner&nbsp;1h')).toEqual({ name: 'activate', role: 'Owner', durationMs: H });
  });
});

describe('activate', () => {
  it('parses a role alone and leaves the duration to the core', () => {
    expect(parse('activate Owner')).toEqual({ name: 'activate', role: 'Owner' });
  });

  it.each([
    ['30m', 30 * M],
    ['1h', H],
    ['1h30m', 90 * M],
    ['90m', 90 * M],
    ['1.5h', 90 * M],
    ['2d', 2 * D],
  ])('parses the duration %s', (text, ms) => {
    expect(parse(`activate Owner ${text}`)).toEqual({ name: 'activate', role: 'Owner', durationMs: ms });
  });

  it('parses every option', () => {
    expect(
      parse('activate Owner 1h --scope /subscriptions/prod --reason "fix db" --ticket INC-42 --at 11:00 --code 123456'),
    ).toEqual({
      name: 'activate',
      role: 'Owner',
      durationMs: H,
      scope: '/subscriptions/prod',
      reason: 'fix db',
      ticket: 'INC-42',
      startAt: new Date('2026-11-24T11:00:00Z'),
      mfaCode: '123456',
    });
  });

  it('accepts options before the role', () => {
    expect(parse('activate --scope /s Owner')).toEqual({ name: 'activate', role: 'Owner', scope: '/s' });
  });

  it('reads a quoted role name with spaces', () => {
    expect(parse('activate "Global Reader" 1h')).toEqual({ name: 'activate', role: 'Global Reader', durationMs: H });
  });

  it('refuses a missing role', () => {
    const e = refuse('activate');
    expect(e.message).toBe('activate needs a role, e.g. activate Owner 1h.');
    expect(e.usage).toBe(USAGE.activate);
    expect(e.command).toBe('activate');
  });

  it('refuses an empty quoted role', () => {
    expect(refuse('activate ""').message).toBe('activate needs a role, e.g. activate Owner 1h.');
  });

  it('refuses a bad duration', () => {
    expect(refuse('activate Owner 5x').message).toBe('`5x` is not a duration; use e.g. 30m, 1h, 1h30m or 2d.');
  });

  it('suggests quotes when the second word of a role is read as a duration', () => {
    expect(refuse('activate Global Reader').message).toBe(
      '`Reader` is not a duration like 1h or 30m; if `Global Reader` is one role, quote it: activate "Global Reader".',
    );
  });

  it('refuses extra words and suggests quoting the role', () => {
    expect(refuse('activate User Access Administrator 1h').message).toBe(
      '`Administrator` is one word too many for activate; quote a role name with spaces, e.g. activate "User Access Administrator" 1h.',
    );
  });

  it('refuses an unknown option', () => {
    expect(refuse('activate Owner --foo').message).toBe('Unknown option --foo for activate.');
  });

  it('refuses an option given twice', () => {
    expect(refuse('activate Owner --scope /a --scope /b').message).toBe('--scope is given twice; give it once.');
  });

  it('refuses an option without its value', () => {
    expect(refuse('activate Owner --ticket').message).toBe('--ticket needs a value, e.g. --ticket INC-1234.');
  });

  it('refuses an option followed by another option instead of a value', () => {
    expect(refuse('activate Owner --ticket --reason x').message).toBe('--ticket needs a value, e.g. --ticket INC-1234.');
  });

  it('refuses an empty --flag= value', () => {
    expect(refuse('activate Owner --ticket= 1h').message).toBe('--ticket needs a value, e.g. --ticket INC-1234.');
  });

  it('refuses a sub-second duration that could not be shown back', () => {
    expect(refuse('activate Owner 1.5s').message).toBe(
      '`1.5s` is not a whole number of seconds; use e.g. 30m, 1h, 1h30m or 2d.',
    );
  });

  it('refuses an absurdly long duration', () => {
    expect(refuse('activate Owner 99999999d').message).toBe('`99999999d` is too long; the most is 36500d.');
  });
});

describe('options and quoting', () => {
  it('reads --flag=value', () => {
    expect(parse('activate Owner --ticket=INC-7')).toMatchObject({ ticket: 'INC-7' });
  });

  it('reads --flag="quoted value"', () => {
    expect(parse('activate Owner --reason="fix the db"')).toMatchObject({ reason: 'fix the db' });
  });

  it('reads an em-dash as the -- autocorrect replaced', () => {
    expect(parse('activate Owner —reason outage —ticket INC-1')).toMatchObject({ reason: 'outage', ticket: 'INC-1' });
  });

  it('reads an en-dash as --', () => {
    expect(parse('activate Owner –ticket INC-1')).toMatchObject({ ticket: 'INC-1' });
  });

  it('reads option names case-insensitively', () => {
    expect(parse('activate Owner --Ticket INC-1')).toMatchObject({ ticket: 'INC-1' });
  });

  it('reads a double-quoted reason with spaces', () => {
    expect(parse('activate Owner 1h --reason "restart the api pods"')).toMatchObject({
      durationMs: H,
      reason: 'restart the api pods',
    });
  });

  it('reads a single-quoted reason with spaces', () => {
    expect(parse("activate Owner --reason 'restart the api pods' 1h")).toMatchObject({
      durationMs: H,
      reason: 'restart the api pods',
    });
  });

  it('reads smart double quotes', () => {
    expect(parse('activate Owner --reason “fix prod db” 1h')).toMatchObject({ durationMs: H, reason: 'fix prod db' });
  });

  it('reads smart single quotes', () => {
    expect(parse('activate Owner --reason ‘fix prod db’ 1h')).toMatchObject({ durationMs: H, reason: 'fix prod db' });
  });

  it('keeps an apostrophe inside single quotes', () => {
    expect(parse("activate Owner --reason 'don't panic' 1h")).toMatchObject({ durationMs: H, reason: "don't panic" });
  });

  it('keeps a smart apostrophe inside a plain word', () => {
    expect(parse('activate Owner --reason it’s down')).toMatchObject({ reason: 'it’s down' });
  });

  it('reads an unmatched leading apostrophe as part of the word', () => {
    expect(parse("activate Owner --reason 'cause it broke")).toMatchObject({ reason: "'cause it broke" });
  });

  it('runs an unquoted reason on to the next option', () => {
    expect(parse('activate Owner --reason fixing the build --ticket INC-9')).toMatchObject({
      reason: 'fixing the build',
      ticket: 'INC-9',
    });
  });

  it('keeps a quoted value that starts with dashes', () => {
    expect(parse('activate Owner --reason "--force was needed"')).toMatchObject({ reason: '--force was needed' });
  });

  it('keeps a dash on its own inside an unquoted reason', () => {
    expect(parse('activate Owner --reason prod down — urgent')).toMatchObject({ reason: 'prod down — urgent' });
  });

  it('ignores extra whitespace, tabs and newlines', () => {
    expect(parse('  activate \t Owner \n  1h   --scope   /s  ')).toEqual({
      name: 'activate',
      role: 'Owner',
      durationMs: H,
      scope: '/s',
    });
  });

  it('decodes Slack-escaped &amp; &lt; &gt; in values', () => {
    expect(parse('activate Owner --reason "R&amp;D &lt;3"')).toMatchObject({ reason: 'R&D <3' });
  });

  it('reads Teams &quot; as a quote', () => {
    expect(parse('activate Owner --reason &quot;fix db&quot;')).toMatchObject({ reason: 'fix db' });
  });

  it('refuses an unclosed double quote with the usage of the command', () => {
    const e = refuse('activate Owner --reason "fix the db');
    expect(e.message).toBe('The quote before `fix the db` is never closed; add the closing ".');
    expect(e.usage).toBe(USAGE.activate);
  });
});

describe('--at', () => {
  it('reads HH:MM later today in UTC', () => {
    expect(parse('activate Owner --at 14:30')).toMatchObject({ startAt: new Date('2026-11-24T14:30:00Z') });
  });

  it('reads HH:MM already past as tomorrow', () => {
    expect(parse('activate Owner --at 09:00')).toMatchObject({ startAt: new Date('2026-11-25T09:00:00Z') });
  });

  it('reads HH:MM equal to now as tomorrow', () => {
    expect(parse('activate Owner --at 10:00')).toMatchObject({ startAt: new Date('2026-11-25T10:00:00Z') });
  });

  it('reads a one-digit hour', () => {
    expect(parse('activate Owner --at 9:15')).toMatchObject({ startAt: new Date('2026-11-25T09:15:00Z') });
  });

  it('reads +2h relative to now', () => {
    expect(parse('activate Owner --at +2h')).toMatchObject({ startAt: new Date('2026-11-24T12:00:00Z') });
  });

  it('reads an ISO instant in UTC', () => {
    expect(parse('activate Owner --at 2026-11-24T09:00Z')).toMatchObject({ startAt: new Date('2026-11-24T09:00:00Z') });
  });

  it('reads an ISO instant with an offset', () => {
    expect(parse('activate Owner --at 2026-11-24T09:00:00+01:00')).toMatchObject({
      startAt: new Date('2026-11-24T08:00:00Z'),
    });
  });

  it('reads an ISO instant with no zone as UTC', () => {
    expect(parse('activate Owner --at 2026-11-24T09:00')).toMatchObject({ startAt: new Date('2026-11-24T09:00:00Z') });
  });

  it('refuses a time of day out of range', () => {
    expect(refuse('activate Owner --at 25:00').message).toBe(
      '--at `25:00` is not a time of day; use 00:00 to 23:59 (UTC).',
    );
  });

  it('refuses a date without a time', () => {
    expect(refuse('activate Owner --at 2026-11-25').message).toBe(
      '--at needs a time as well as a date, e.g. 2026-11-25T09:00Z.',
    );
  });

  it('refuses an impossible calendar date', () => {
    expect(refuse('activate Owner --at 2026-02-30T09:00Z').message).toContain('--at takes a time like');
  });

  it('refuses words', () => {
    expect(refuse('activate Owner --at tomorrow').message).toBe(
      '--at takes a time like 09:30 (UTC), +2h or 2026-11-24T09:00Z, not `tomorrow`.',
    );
  });

  it('refuses a relative time when the caller has no valid now', () => {
    expect(refuse('activate Owner --at +1h', { now: new Date(Number.NaN) }).message).toBe(
      "--at `+1h` needs the current time, which I don't have; give a full time like 2026-11-24T09:00Z.",
    );
  });

  it('still reads an ISO instant when the caller has no valid now', () => {
    expect(parse('activate Owner --at 2026-11-24T09:00Z', { now: new Date(Number.NaN) })).toMatchObject({
      startAt: new Date('2026-11-24T09:00:00Z'),
    });
  });

  it('uses the given now, not the system clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-01-01T00:00:00Z'));
    expect(parse('activate Owner --at +1h')).toMatchObject({ startAt: new Date('2026-11-24T11:00:00Z') });
  });

  afterEach(() => {
    vi.useRealTimers();
  });
});

describe('deactivate and extend', () => {
  it('parses deactivate', () => {
    expect(parse('deactivate Owner')).toEqual({ name: 'deactivate', role: 'Owner' });
  });

  it('parses deactivate with a scope', () => {
    expect(parse('deactivate Owner --scope /subscriptions/prod')).toEqual({
      name: 'deactivate',
      role: 'Owner',
      scope: '/subscriptions/prod',
    });
  });

  it('refuses deactivate without a role', () => {
    expect(refuse('deactivate').message).toBe('deactivate needs a role, e.g. deactivate Owner.');
  });

  it('refuses a reason on deactivate', () => {
    expect(refuse('deactivate Owner --reason done').message).toBe('Unknown option --reason for deactivate.');
  });

  it('parses extend with a reason', () => {
    expect(parse('extend Owner 30m --reason "still migrating"')).toEqual({
      name: 'extend',
      role: 'Owner',
      durationMs: 30 * M,
      reason: 'still migrating',
    });
  });

  it('refuses extend without a duration', () => {
    expect(refuse('extend Owner').message).toBe('extend needs a duration, e.g. extend Owner 30m.');
  });

  it('parses extend with what activation takes: scope, reason, ticket and MFA code', () => {
    expect(parse('extend Owner 30m --scope /s --reason still migrating --ticket INC-7 --code 123456')).toEqual({
      name: 'extend',
      role: 'Owner',
      durationMs: 30 * M,
      scope: '/s',
      reason: 'still migrating',
      ticket: 'INC-7',
      mfaCode: '123456',
    });
  });

  it('refuses --at on extend (an extension starts at the end)', () => {
    expect(refuse('extend Owner 1h --at 09:30').message).toBe('Unknown option --at for extend.');
  });
});

describe('requests and approvals', () => {
  it('parses cancel', () => {
    expect(parse('cancel R-1234')).toEqual({ name: 'cancel', requestId: 'R-1234' });
  });

  it('refuses cancel without an id', () => {
    expect(refuse('cancel').message).toBe('cancel needs a request id, e.g. cancel R-1234.');
  });

  it('refuses cancel with two ids', () => {
    expect(refuse('cancel R-1 R-2').message).toBe(
      '`R-2` is one word too many for cancel; put text with spaces in quotes.',
    );
  });

  it('parses approve', () => {
    expect(parse('approve R-1')).toEqual({ name: 'approve', requestId: 'R-1' });
  });

  it('parses approve with a reason', () => {
    expect(parse('approve R-1 --reason "ok for INC-3"')).toEqual({
      name: 'approve',
      requestId: 'R-1',
      reason: 'ok for INC-3',
    });
  });

  it('parses deny with a reason', () => {
    expect(parse('deny R-1 --reason "not during the freeze"')).toEqual({
      name: 'deny',
      requestId: 'R-1',
      reason: 'not during the freeze',
    });
  });

  it('refuses deny without a reason', () => {
    const e = refuse('deny R-1');
    expect(e.message).toBe('deny needs a reason, e.g. deny R-1234 --reason "not during the freeze".');
    expect(e.usage).toBe(USAGE.deny);
  });

  it('refuses deny with an empty reason', () => {
    expect(refuse('deny R-1 --reason ""').message).toBe('--reason needs a value, e.g. --reason "fixing INC-1234".');
  });
});

describe('assign and remove', () => {
  it('parses assign with an e-mail, eligible by default', () => {
    expect(parse('assign alice@example.com Owner')).toEqual({
      name: 'assign',
      user: { kind: 'id', id: 'alice@example.com' },
      role: 'Owner',
      type: 'eligible',
    });
  });

  it('parses assign with every option', () => {
    expect(parse('assign alice Owner --scope /s --active --for 30d --reason "on call"')).toEqual({
      name: 'assign',
      user: { kind: 'id', id: 'alice' },
      role: 'Owner',
      scope: '/s',
      type: 'active',
      durationMs: 30 * D,
      reason: 'on call',
    });
  });

  it('parses --eligible', () => {
    expect(parse('assign alice Owner --eligible')).toMatchObject({ type: 'eligible' });
  });

  it('reads --until as a date through the end of that day', () => {
    expect(parse('assign alice Owner --until 2026-12-31')).toMatchObject({ until: new Date('2027-01-01T00:00:00Z') });
  });

  it('reads --until as an instant', () => {
    expect(parse('assign alice Owner --until 2026-12-31T18:00Z')).toMatchObject({
      until: new Date('2026-12-31T18:00:00Z'),
    });
  });

  it('refuses a bad --until', () => {
    expect(refuse('assign alice Owner --until friday').message).toBe(
      '--until takes a date like 2026-12-31 or 2026-12-31T18:00Z, not `friday`.',
    );
  });

  it('refuses a bad --for', () => {
    expect(refuse('assign alice Owner --for ever').message).toBe(
      '--for `ever` is not a duration; use e.g. 30m, 1h, 1h30m or 2d.',
    );
  });

  it('refuses --for with --until', () => {
    expect(refuse('assign alice Owner --for 30d --until 2026-12-31').message).toBe('Use --for or --until, not both.');
  });

  it('refuses --eligible with --active', () => {
    expect(refuse('assign alice Owner --eligible --active').message).toBe('Use --eligible or --active, not both.');
  });

  it('refuses a value on --active', () => {
    expect(refuse('assign alice Owner --active=yes').message).toBe('--active takes no value; write just --active.');
  });

  it('refuses assign without a role', () => {
    expect(refuse('assign alice').message).toBe('assign needs a role, e.g. assign alice@example.com Owner --for 30d --reason "joins the on-call rota".');
  });

  it('refuses assign without a user', () => {
    expect(refuse('assign').message).toBe('assign needs a user, e.g. assign alice@example.com Owner --for 30d --reason "joins the on-call rota".');
  });

  it('suggests quoting a role with spaces after the user', () => {
    expect(refuse('assign alice Global Reader').message).toBe(
      '`Reader` is one word too many for assign; quote a role name with spaces, e.g. assign alice "Global Reader".',
    );
  });

  it('reads a Slack mention with a name', () => {
    expect(parse('assign <@U123|alice> Owner')).toMatchObject({ user: { kind: 'slack', id: 'U123' } });
  });

  it('reads a Slack mention without a name', () => {
    expect(parse('remove <@W0ABC> Owner')).toMatchObject({ user: { kind: 'slack', id: 'W0ABC' } });
  });

  it('reads a Slack mailto link as an id', () => {
    expect(parse('assign <mailto:alice@example.com|alice@example.com> Owner')).toMatchObject({
      user: { kind: 'id', id: 'alice@example.com' },
    });
  });

  it('drops the @ of a typed @name', () => {
    expect(parse('assign @alice Owner')).toMatchObject({ user: { kind: 'id', id: 'alice' } });
  });

  it('reads a Teams mention the adapter resolved', () => {
    const mentions = { 'Alice Smith': { kind: 'id', id: 'alice@example.com' } } as const;
    expect(parse('assign <at>Alice Smith</at> Owner', { mentions })).toMatchObject({
      user: { kind: 'id', id: 'alice@example.com' },
      role: 'Owner',
    });
  });

  it('refuses a Teams mention nobody resolved', () => {
    expect(refuse('assign <at>Alice</at> Owner').message).toBe(
      "I can't tell who `Alice` is from the mention; use their e-mail, e.g. alice@example.com.",
    );
  });

  it('refuses a Slack user-group mention as a user', () => {
    expect(refuse('assign <!subteam^S1|@sre> Owner').message).toBe(
      '`<!subteam^S1|@sre>` is not a user; use an e-mail, an id or an @mention.',
    );
  });

  it('parses remove', () => {
    expect(parse('remove alice@example.com Owner --scope /s')).toEqual({
      name: 'remove',
      user: { kind: 'id', id: 'alice@example.com' },
      role: 'Owner',
      scope: '/s',
    });
  });

  it('parses remove with a reason (the core requires one)', () => {
    expect(parse('remove alice@example.com Owner --reason "left the team"')).toEqual({
      name: 'remove',
      user: { kind: 'id', id: 'alice@example.com' },
      role: 'Owner',
      reason: 'left the team',
    });
  });

  it('refuses remove with --for', () => {
    expect(refuse('remove alice Owner --for 1d').message).toBe('Unknown option --for for remove.');
  });
});

describe('review stop, apply and results', () => {
  it('parses review stop, apply and results with an id', () => {
    expect(parse('review stop V-7K2Q9XA')).toEqual({ name: 'review-stop', reviewId: 'V-7K2Q9XA' });
    expect(parse('Review Apply v-7k2q9xa')).toEqual({ name: 'review-apply', reviewId: 'v-7k2q9xa' });
    expect(parse('review results V-7K2Q9XA --csv')).toEqual({ name: 'review-results', reviewId: 'V-7K2Q9XA', csv: true });
    expect(parse('review results V-7K2Q9XA')).toEqual({ name: 'review-results', reviewId: 'V-7K2Q9XA', csv: false });
  });

  it('refuses them without an id', () => {
    expect(refuse('review stop').message).toContain('a review id');
  });

  it('does not take an Object property for a review verb', () => {
    expect(refuse('review constructor').message).toBe('review needs start, stop, apply, results, keep or remove, e.g. review start Owner --reviewers approvers.');
  });

  it('parses review keep and remove, for oneself or a named user, with a reason', () => {
    expect(parse('review keep V-7K2Q9XA --reason "on call"')).toEqual({ name: 'review-decide', decision: 'keep', reviewId: 'V-7K2Q9XA', reason: 'on call' });
    expect(parse('review remove V-7K2Q9XA bob@example.com --scope /subscriptions/dev --reason left')).toEqual({
      name: 'review-decide',
      decision: 'remove',
      reviewId: 'V-7K2Q9XA',
      user: { kind: 'id', id: 'bob@example.com' },
      scope: '/subscriptions/dev',
      reason: 'left',
    });
  });

  it('parses help for review results', () => {
    expect(parse('help review results')).toEqual({ name: 'help', topic: 'review-results' });
  });
});

describe('review start', () => {
  it('parses --require-reason, and leaves it out when not given', () => {
    expect(parse('review start Owner --reviewers self --require-reason')).toEqual({ name: 'review-start', role: 'Owner', reviewers: { kind: 'self' }, requireReason: true });
    expect(parse('review start Owner --reviewers self')).not.toHaveProperty('requireReason');
  });

  it('parses --name', () => {
    expect(parse('review start Owner --reviewers self --name "Q3 Owner review"')).toMatchObject({ name: 'review-start', title: 'Q3 Owner review' });
  });

  it('parses approvers as reviewers', () => {
    expect(parse('review start Owner --reviewers approvers')).toEqual({
      name: 'review-start',
      role: 'Owner',
      reviewers: { kind: 'approvers' },
    });
  });

  it('parses self as reviewers with a scope and duration', () => {
    expect(parse('Review Start Owner --scope /s --reviewers SELF --duration 14d')).toEqual({
      name: 'review-start',
      role: 'Owner',
      scope: '/s',
      reviewers: { kind: 'self' },
      durationDays: 14,
    });
  });

  it('parses a list of users as reviewers', () => {
    expect(parse('review start Owner --reviewers <@U1|bob> carol@example.com')).toMatchObject({
      reviewers: {
        kind: 'users',
        users: [
          { kind: 'slack', id: 'U1' },
          { kind: 'id', id: 'carol@example.com' },
        ],
      },
    });
  });

  it('parses a comma-separated list of reviewers', () => {
    expect(parse('review start Owner --reviewers bob,carol')).toMatchObject({
      reviewers: {
        kind: 'users',
        users: [
          { kind: 'id', id: 'bob' },
          { kind: 'id', id: 'carol' },
        ],
      },
    });
  });

  it('keeps a comma inside a Teams mention in a reviewer list', () => {
    const mentions = { 'Smith, Bob': { kind: 'id', id: 'bob@example.com' } } as const;
    expect(parse('review start Owner --reviewers <at>Smith, Bob</at>,carol', { mentions })).toMatchObject({
      reviewers: {
        kind: 'users',
        users: [
          { kind: 'id', id: 'bob@example.com' },
          { kind: 'id', id: 'carol' },
        ],
      },
    });
  });

  it('refuses review start without reviewers', () => {
    expect(refuse('review start Owner').message).toBe(
      'review start needs --reviewers, e.g. review start Owner --reviewers approvers.',
    );
  });

  it('refuses a mix of approvers and users', () => {
    expect(refuse('review start Owner --reviewers approvers bob').message).toBe(
      '--reviewers takes self, approvers or a list of users, not a mix.',
    );
  });

  it('refuses a duration that is not whole days', () => {
    expect(refuse('review start Owner --reviewers self --duration 36h').message).toBe(
      '--duration takes whole days, e.g. --duration 14d.',
    );
  });

  it('refuses review without start', () => {
    const e = refuse('review Owner');
    expect(e.message).toBe('review needs start, stop, apply, results, keep or remove, e.g. review start Owner --reviewers approvers.');
    expect(e.usage).toBe(USAGE['review-start']);
  });

  it('points a bare review at reviews and review start', () => {
    expect(refuse('review').message).toBe(
      'Say reviews to see the reviews waiting for you, or review start <role> --reviewers approvers to start one.',
    );
  });

  it('names the verb as typed in unknown-option errors', () => {
    expect(refuse('review start Owner --reviewers self --for 1d').message).toBe(
      'Unknown option --for for review start.',
    );
  });
});

describe('audit', () => {
  it('parses audit with no filters', () => {
    expect(parse('audit')).toEqual({ name: 'audit', csv: false });
  });

  it('parses audit verify as its own command, in any case', () => {
    expect(parse('audit verify')).toEqual({ name: 'audit-verify' });
    expect(parse('Audit VERIFY')).toEqual({ name: 'audit-verify' });
  });

  it('refuses anything after audit verify', () => {
    expect(refuse('audit verify now').message).toBe('audit verify takes nothing after it; remove `now`.');
  });

  it('gives audit verify its own help', () => {
    expect(parse('help audit verify')).toEqual({ name: 'help', topic: 'audit-verify' });
  });

  it('parses every audit filter', () => {
    expect(parse('audit --user <@U9> --role Owner --since 7d --csv')).toEqual({
      name: 'audit',
      user: { kind: 'slack', id: 'U9' },
      role: 'Owner',
      sinceMs: 7 * D,
      csv: true,
    });
  });

  it('refuses a bad --since', () => {
    expect(refuse('audit --since lastweek').message).toBe(
      '--since `lastweek` is not a duration; use e.g. 30m, 1h, 1h30m or 2d.',
    );
  });

  it('refuses positional arguments', () => {
    expect(refuse('audit alice').message).toBe('audit takes nothing after it; remove `alice`.');
  });
});

describe('unknown verbs and help text', () => {
  it('suggests the nearest verb', () => {
    expect(refuse('actvate Owner').message).toBe('Unknown command `actvate`. Try `help`. Closest: `activate`.');
  });

  it('answers an unknown verb with one sentence and the usage of help, not the whole list', () => {
    const e = refuse('frobnicate');
    expect(e.message).toBe('Unknown command `frobnicate`. Try `help`.');
    expect(e.usage).toBe(USAGE.help);
  });

  it('names the closest commands the person may use, and gives the nearest one’s usage', () => {
    expect(refuse('aprove R-1').message).toBe('Unknown command `aprove`. Try `help`. Closest: `approve`.');
    expect(refuse('aprove R-1').usage).toBe(USAGE.approve);
    expect(refuse('asign bob Owner').message).toBe('Unknown command `asign`. Try `help`.');
    expect(refuse('asign bob Owner', { isAdmin: true }).message).toBe('Unknown command `asign`. Try `help`. Closest: `assign`.');
  });

  it('refuses text that starts with an option', () => {
    expect(refuse('--reason x').message).toBe(
      'Start with what to do, e.g. activate Owner 1h; --reason is an option, not a command.',
    );
  });

  it('reads --help alone as help', () => {
    expect(parse('--help')).toEqual({ name: 'help' });
  });

  it('refuses text over the length limit', () => {
    expect(refuse(`activate Owner --reason ${'x'.repeat(5000)}`).message).toBe(
      'That command is too long; keep it under 4000 characters.',
    );
  });

  it('lists only everyday commands for non-admins', () => {
    const text = helpText(false);
    expect(text).toContain(USAGE.activate);
    expect(text).not.toContain(USAGE.assign);
  });

  it('lists admin commands for admins', () => {
    const text = helpText(true);
    for (const name of ['assign', 'remove', 'review-start', 'alerts', 'audit'] as const) expect(text).toContain(USAGE[name]);
  });

  it('lists the audit trail and alerts, and nothing that changes access, for auditors', () => {
    const text = helpText(false, true);
    expect(text).toContain('Auditor commands:');
    for (const name of ['audit', 'alerts'] as const) expect(text).toContain(USAGE[name]);
    for (const name of ['assign', 'remove', 'review-start'] as const) expect(text).not.toContain(USAGE[name]);
  });

  it('shows assign and remove with a required --reason', () => {
    expect(USAGE.assign).toMatch(/ --reason "<text>"$/);
    expect(USAGE.remove).toBe('remove <user> <role> [--scope <scope>] --reason "<text>"');
  });

  it('has a usage line for every command', () => {
    for (const name of COMMAND_NAMES) expect(USAGE[name].length).toBeGreaterThan(0);
  });
});

describe('properties', () => {
  // The parser's last-line catch and its schema check must never be what answers.
  const FALLBACKS = [/^I could not read that/];
  const isWellFormed = (r: ReturnType<typeof parseCommand>): boolean =>
    r.ok
      ? CommandSchema.safeParse(r.command).success
      : r.error.message.length > 0 &&
        !r.error.message.includes('\n') &&
        r.error.usage.length > 0 &&
        !FALLBACKS.some((re) => re.test(r.error.message));

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(isWellFormed(parseCommand(s, { now }))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary full-Unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(isWellFormed(parseCommand(s, { now }))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  const verbs = [...COMMAND_NAMES, 'review start', 'review', 'pim', '/pim', '<at>bot</at>', '@bot', '<@U1>'];
  const flags = ['scope', 'reason', 'ticket', 'at', 'code', 'eligible', 'active', 'for', 'until', 'reviewers', 'duration', 'user', 'role', 'since', 'csv', 'help', 'foo'];
  const token = fc.oneof(
    fc.constantFrom(...verbs),
    fc.constantFrom(...flags).chain((f) => fc.constantFrom(`--${f}`, `—${f}`, `–${f}`, `--${f}=`, `--${f}=x`)),
    fc.constantFrom('Owner', '1h', '1.5h', '2d', '0s', '09:30', '25:99', '+2h', '2026-11-24T09:00Z', '2026-12-31', 'approvers', 'self'),
    fc.constantFrom('<@U123|alice>', '<at>Alice</at>', '<mailto:a@b.c|a@b.c>', '<', '>', '<at>', '&lt;', '&amp;', '&quot;'),
    fc.constantFrom('"', "'", '“', '”', '‘', '’', '"fix db"', '“fix db”', ',', '=', '—', '--'),
    fc.string({ maxLength: 8 }),
  );

  it('never throws on token soups of verbs, options and values', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), fc.constantFrom(' ', '  ', '\t', ''), (tokens, sep) => {
        expect(isWellFormed(parseCommand(tokens.join(sep), { now, isAdmin: true }))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws when now is an invalid date', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), fc.constantFrom('09:30', '+2h', '2026-11-24T09:00Z'), (tokens, at) => {
        const text = ['activate Owner --at', at, ...tokens].join(' ');
        expect(isWellFormed(parseCommand(text, { now: new Date(Number.NaN) }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips whole-second durations through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 36_500 * 86_400 }), (seconds) => {
        const ms = seconds * 1000;
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  const durationText = fc
    .array(
      fc.tuple(
        fc.nat({ max: 500 }),
        fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
        fc.constantFrom('s', 'm', 'h', 'd', 'w', 'H', 'M'),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((parts) => parts.map(([n, frac, unit]) => `${n}${frac === undefined ? '' : `.${frac}`}${unit}`).join(''));

  it('formats any duration a command accepts so that it reparses to the same value', () => {
    fc.assert(
      fc.property(durationText, (text) => {
        const r = parseCommand(`extend Owner ${text}`, { now });
        fc.pre(r.ok && r.command.name === 'extend');
        if (!r.ok || r.command.name !== 'extend') return;
        expect(parseDuration(formatDuration(r.command.durationMs))).toBe(r.command.durationMs);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats whole-second parsed durations so that they reparse to the same value', () => {
    fc.assert(
      fc.property(durationText, (text) => {
        const ms = parseDuration(text);
        fc.pre(ms !== null && ms % 1000 === 0);
        expect(parseDuration(formatDuration(ms as number))).toBe(ms);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a quoted reason back exactly', () => {
    const reason = fc
      .string({ minLength: 1, maxLength: 60 })
      .filter((s) => s.trim() === s && s.length > 0 && !/["“”„‟&]/.test(s));
    fc.assert(
      fc.property(reason, (text) => {
        expect(parse(`deny R-1 --reason "${text}"`)).toEqual({ name: 'deny', requestId: 'R-1', reason: text });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('control characters and broken text', () => {
  it('refuses a NUL byte in a reason, naming it and where it is', () => {
    const e = refuse('activate Owner 1h --reason "fix\u0000it"');
    expect(e.message).toBe(
      'That command contains an invisible control character, U+0000 (NUL), at character 32. pimbot does not accept it: type the text again without it (such characters usually come from pasting).',
    );
    expect(e.command).toBe('activate');
    expect(e.usage).toBe(USAGE.activate);
  });

  it('refuses a NUL byte in a request id', () => {
    expect(refuse('cancel R-ABC\u0000DEF').message).toMatch(/^That command contains an invisible control character, U\+0000 \(NUL\), at character 13\./);
  });

  it.each([
    ['\u0001', 'U+0001 (SOH)'],
    ['\u0008', 'U+0008 (BS)'],
    ['\u000B', 'U+000B (VT)'],
    ['\u001B', 'U+001B (ESC)'],
    ['\u001F', 'U+001F (US)'],
  ])('refuses the control character %j', (char, name) => {
    expect(refuse(`activate Owner --reason "a${char}b"`).message).toContain(`control character, ${name}`);
  });

  it('refuses an unpaired surrogate, which PostgreSQL cannot store in jsonb', () => {
    expect(refuse('activate Owner --reason "broken \uD83D emoji"').message).toContain('a broken character, U+D83D (half of an emoji or symbol)');
  });

  it('keeps tab, line breaks and real emoji', () => {
    expect(parse('activate Owner 1h --reason "line one\nline two\r\nand\ta tab 🔥"')).toMatchObject({
      name: 'activate',
      reason: 'line one\nline two\r\nand\ta tab 🔥',
    });
  });

  it('gives the general help when the verb is not recognised', () => {
    const e = refuse('\u0000');
    expect(e.command).toBeUndefined();
    expect(e.usage).toBe(USAGE.help);
  });
});
