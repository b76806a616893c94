/**
 * When the bot hands Slack requests to a work thread: on PostgreSQL, in HTTP mode, out of dev
 * mode, on the system clock. SLACK_WORK_THREAD=auto quietly does without otherwise; =on refuses.
 */
import { describe, expect, it } from 'vitest';
import { slackWorkThreadUrl } from '../../../src/app.js';
import { ManualClock, systemClock } from '../../../src/clock.js';
import { loadEnv } from '../../../src/config/env.js';
import { ConfigError } from '../../../src/config/errors.js';
import type { Database } from '../../../src/db/client.js';

const postgres = { kind: 'postgres', url: 'postgres://x/y' } as unknown as Database;
const pglite = { kind: 'pglite', url: null } as unknown as Database;

const HTTP = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PIM_DEV_MODE: 'false' };
const env = (extra: Record<string, string> = {}) => loadEnv({ ...HTTP, ...extra });

/** The ConfigError `fn` throws (fails the test if it throws none, or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, got none');
}

describe('slackWorkThreadUrl', () => {
  it('auto (the default) on PostgreSQL, in HTTP mode, on the system clock: the database URL', () => {
    expect(env().slack.workThread).toBe('auto');
    expect(slackWorkThreadUrl(env(), postgres, systemClock)).toBe('postgres://x/y');
    expect(slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'auto' }), postgres, systemClock)).toBe('postgres://x/y');
  });

  it('on with all it needs: the database URL', () => {
    expect(slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'on' }), postgres, systemClock)).toBe('postgres://x/y');
  });

  it('auto on PGlite: none', () => {
    expect(slackWorkThreadUrl(env(), pglite, systemClock)).toBeNull();
  });

  it('auto on a PostgreSQL database without a URL: none', () => {
    expect(slackWorkThreadUrl(env(), { kind: 'postgres', url: null } as unknown as Database, systemClock)).toBeNull();
  });

  it('off: none, even with all it needs', () => {
    expect(slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'off' }), postgres, systemClock)).toBeNull();
  });

  it('Slack not configured: none, even when on', () => {
    expect(slackWorkThreadUrl(loadEnv({ PIM_DEV_MODE: 'false' }), postgres, systemClock)).toBeNull();
    expect(slackWorkThreadUrl(loadEnv({ PIM_DEV_MODE: 'false', SLACK_WORK_THREAD: 'on' }), pglite, new ManualClock())).toBeNull();
  });

  it('auto in Socket Mode or dev mode: none', () => {
    expect(slackWorkThreadUrl(env({ SLACK_APP_TOKEN: 'xapp-1' }), postgres, systemClock)).toBeNull();
    expect(slackWorkThreadUrl(env({ PIM_DEV_MODE: 'true' }), postgres, systemClock)).toBeNull();
  });

  it('auto on a ManualClock: none', () => {
    expect(slackWorkThreadUrl(env(), postgres, new ManualClock())).toBeNull();
  });

  it('on with PGlite: a ConfigError naming PostgreSQL', () => {
    const e = configError(() => slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'on' }), pglite, systemClock));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/PostgreSQL/);
    expect(e.message).toMatch(/SLACK_WORK_THREAD=on/);
  });

  it('on in Socket Mode: a ConfigError naming HTTP mode', () => {
    const e = configError(() => slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'on', SLACK_APP_TOKEN: 'xapp-1' }), postgres, systemClock));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/HTTP mode/);
  });

  it('on in dev mode: a ConfigError naming dev mode', () => {
    const e = configError(() => slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'on', PIM_DEV_MODE: 'true' }), postgres, systemClock));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/dev mode/);
  });

  it('on with a ManualClock: a ConfigError naming the system clock', () => {
    const e = configError(() => slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'on' }), postgres, new ManualClock()));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/system clock/);
  });

  it('on with several things missing: a ConfigError naming each', () => {
    const e = configError(() => slackWorkThreadUrl(env({ SLACK_WORK_THREAD: 'on', SLACK_APP_TOKEN: 'xapp-1' }), pglite, new ManualClock()));
    expect(e.problems).toHaveLength(3);
    expect(e.problems[0]).toMatch(/PostgreSQL/);
    expect(e.problems[1]).toMatch(/HTTP mode/);
    expect(e.problems[2]).toMatch(/system clock/);
  });
});
