import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.js';
import { ConfigError } from '../../../src/config/errors.js';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const TENANT = '66666666-7777-8888-9999-000000000000';

/** The problems a bad environment is refused with. */
function problemsOf(source: Record<string, string | undefined>): readonly string[] {
  try {
    loadEnv(source);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected loadEnv to throw a ConfigError');
}

describe('loadEnv defaults', () => {
  it('fills every default when nothing is set', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      databaseUrl: undefined,
      pgliteDir: './.data/pglite',
      pimConfig: './pim.config.yaml',
      port: 3000,
      timezone: 'UTC',
      devModeSetting: 'auto',
      logLevel: 'info',
    });
  });

  it('treats empty and blank values as unset', () => {
    const env = loadEnv({ PORT: '', SLACK_BOT_TOKEN: '  ', TEAMS_APP_ID: '', PIM_TIMEZONE: '' });
    expect(env.port).toBe(3000);
    expect(env.slack.enabled).toBe(false);
    expect(env.timezone).toBe('UTC');
  });

  it('ignores keys it does not know', () => {
    expect(() => loadEnv({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('reads the values it is given', () => {
    const env = loadEnv({
      DATABASE_URL: 'postgres://pim:secret@db:5432/pim',
      PIM_CONFIG: '/etc/pim/pim.config.yaml',
      PORT: '8080',
      PIM_TIMEZONE: 'Europe/Berlin',
      LOG_LEVEL: 'debug',
    });
    expect(env).toMatchObject({
      databaseUrl: 'postgres://pim:secret@db:5432/pim',
      pimConfig: '/etc/pim/pim.config.yaml',
      port: 8080,
      timezone: 'Europe/Berlin',
      logLevel: 'debug',
    });
  });

  it('accepts choices in any case and returns their canonical spelling', () => {
    const env = loadEnv({ LOG_LEVEL: 'WARN', PIM_DEV_MODE: 'True', TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TYPE: 'multitenant' });
    expect(env.logLevel).toBe('warn');
    expect(env.devModeSetting).toBe('true');
    expect(env.teams.appType).toBe('MultiTenant');
  });
});

describe('loadEnv dev mode', () => {
  it('turns dev mode on and binds to 127.0.0.1 when no platform is configured', () => {
    const env = loadEnv({});
    expect(env.devMode).toBe(true);
    expect(env.host).toBe('127.0.0.1');
  });

  it('turns dev mode off and binds to 0.0.0.0 when Slack is configured', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect(env.devMode).toBe(false);
    expect(env.host).toBe('0.0.0.0');
  });

  it('turns dev mode off when Teams is configured', () => {
    expect(loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw' }).devMode).toBe(false);
  });

  it('forces dev mode on with PIM_DEV_MODE=true even with credentials', () => {
    const env = loadEnv({ PIM_DEV_MODE: 'true', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect(env.devMode).toBe(true);
    expect(env.host).toBe('127.0.0.1');
  });

  it('forces dev mode off with PIM_DEV_MODE=false even without credentials', () => {
    const env = loadEnv({ PIM_DEV_MODE: 'false' });
    expect(env.devMode).toBe(false);
    expect(env.host).toBe('0.0.0.0');
  });

  it('binds to HOST when it is set, whatever the mode', () => {
    expect(loadEnv({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('refuses a PIM_DEV_MODE other than auto, true or false', () => {
    expect(problemsOf({ PIM_DEV_MODE: 'yes' })).toEqual([
      'PIM_DEV_MODE: expected one of auto, true, false, got "yes"',
    ]);
  });
});

describe('loadEnv Slack', () => {
  it('enables Slack over HTTP with a bot token and signing secret', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' });
    expect(env.slack).toEqual({
      enabled: true,
      mode: 'http',
      botToken: 'xoxb-1',
      signingSecret: 'secret',
      appToken: undefined,
      apiUrl: undefined,
      workThread: 'auto',
    });
  });

  it('reads SLACK_WORK_THREAD case-insensitively and refuses anything but auto, on or off', () => {
    const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' };
    expect(loadEnv({ ...slack, SLACK_WORK_THREAD: 'OFF' }).slack.workThread).toBe('off');
    expect(loadEnv({ ...slack, SLACK_WORK_THREAD: 'on' }).slack.workThread).toBe('on');
    expect(() => loadEnv({ ...slack, SLACK_WORK_THREAD: 'yes' })).toThrow(/SLACK_WORK_THREAD: expected one of auto, on, off, got "yes"/);
  });

  it('enables Socket Mode with a bot token and app token, without a signing secret', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(env.slack.enabled).toBe(true);
    expect(env.slack.mode).toBe('socket');
  });

  it('reports Slack as off when nothing is set', () => {
    expect(loadEnv({}).slack).toMatchObject({ enabled: false, mode: 'off' });
  });

  it('refuses a bot token without a signing secret or app token, naming the missing key', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      'SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set (or set SLACK_APP_TOKEN to use Socket Mode instead)',
    ]);
  });

  it('refuses a signing secret without a bot token, naming the missing key', () => {
    expect(problemsOf({ SLACK_SIGNING_SECRET: 's' })).toEqual([
      'SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set',
    ]);
  });

  it('refuses an app token without a bot token', () => {
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1' })).toEqual(['SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set']);
  });

  it('refuses an app token that is not an xapp- token without echoing it', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-very-secret' });
    expect(problems).toEqual(['SLACK_APP_TOKEN: expected a Slack app-level token starting with xapp-']);
  });

  it('keeps SLACK_API_URL for a local fake Web API', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'http://127.0.0.1:4000/api/' });
    expect(env.slack.apiUrl).toBe('http://127.0.0.1:4000/api/');
  });

  it('refuses a SLACK_API_URL that is not an http(s) URL', () => {
    expect(problemsOf({ SLACK_API_URL: 'localhost:4000' })).toEqual([
      'SLACK_API_URL: expected an http(s) URL like http://127.0.0.1:4000/api/, got "localhost:4000"',
    ]);
  });
});

describe('loadEnv Teams', () => {
  it('enables Teams with an app id and password, MultiTenant by default', () => {
    const env = loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw' });
    expect(env.teams).toEqual({ enabled: true, appId: APP_ID, appPassword: 'pw', tenantId: undefined, appType: 'MultiTenant' });
  });

  it('defaults the app type to SingleTenant when a tenant id is set', () => {
    const env = loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TENANT_ID: TENANT });
    expect(env.teams.appType).toBe('SingleTenant');
  });

  it('allows UserAssignedMSI without a password', () => {
    const env = loadEnv({ TEAMS_APP_ID: APP_ID, TEAMS_APP_TYPE: 'UserAssignedMSI', TEAMS_APP_TENANT_ID: TENANT });
    expect(env.teams.enabled).toBe(true);
    expect(env.teams.appPassword).toBeUndefined();
  });

  it('refuses an app id without a password', () => {
    expect(problemsOf({ TEAMS_APP_ID: APP_ID })).toEqual([
      'TEAMS_APP_PASSWORD: required when TEAMS_APP_ID is set (unless TEAMS_APP_TYPE is UserAssignedMSI)',
    ]);
  });

  it('refuses a password without an app id', () => {
    expect(problemsOf({ TEAMS_APP_PASSWORD: 'pw' })).toEqual(['TEAMS_APP_ID: required when TEAMS_APP_PASSWORD is set']);
  });

  it('refuses SingleTenant without a tenant id', () => {
    expect(problemsOf({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TYPE: 'SingleTenant' })).toEqual([
      'TEAMS_APP_TENANT_ID: required when TEAMS_APP_TYPE is SingleTenant',
    ]);
  });

  it('refuses an unknown app type', () => {
    expect(problemsOf({ TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'pw', TEAMS_APP_TYPE: 'Single' })).toEqual([
      'TEAMS_APP_TYPE: expected one of MultiTenant, SingleTenant, UserAssignedMSI, got "Single"',
    ]);
  });

  it('refuses an app id that is not a GUID', () => {
    expect(problemsOf({ TEAMS_APP_ID: 'my-bot', TEAMS_APP_PASSWORD: 'pw' })).toEqual([
      'TEAMS_APP_ID: expected the bot Microsoft App ID (a GUID), got "my-bot"',
    ]);
  });
});

describe('loadEnv errors', () => {
  it('names PORT and the bad value', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT: expected an integer 1-65535, got "abc"']);
  });

  it('refuses a PORT out of range', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT: expected an integer 1-65535, got "70000"']);
  });

  it('refuses a time zone Intl does not know', () => {
    expect(problemsOf({ PIM_TIMEZONE: 'Mars/Olympus' })).toEqual([
      'PIM_TIMEZONE: expected an IANA time zone like UTC or Europe/Berlin, got "Mars/Olympus"',
    ]);
  });

  it('refuses an unknown LOG_LEVEL', () => {
    expect(problemsOf({ LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ]);
  });

  it('refuses a DATABASE_URL that is not PostgreSQL, without echoing it', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://u:hunter2@db/pim' })).toEqual([
      'DATABASE_URL: expected a PostgreSQL URL like postgres://user:password@host:5432/pimbot',
    ]);
  });

  it('lists every bad key in one error', () => {
    expect(problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', SLACK_BOT_TOKEN: 'xoxb-1' })).toHaveLength(3);
  });

  it('throws a ConfigError whose message names each key', () => {
    expect(() => loadEnv({ PORT: 'abc', PIM_TIMEZONE: 'Nowhere' })).toThrow(
      /PORT: expected an integer 1-65535, got "abc"[\s\S]*PIM_TIMEZONE: expected an IANA time zone/,
    );
  });
});
