import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import {
  DEMO_CONFIG_PATH,
  buildDirectory,
  loadDemoConfig,
  loadPimConfig,
  parsePimConfig,
} from '../../../src/config/pim-config.js';
import { DAY, HOUR } from '../../../src/core/index.js';

const enoent = (path: string): never => {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
};

describe('demo config', () => {
  it('parses and is flagged as the demo', async () => {
    const cfg = await loadDemoConfig();
    expect(cfg.isDemo).toBe(true);
    expect(cfg.source).toBe(DEMO_CONFIG_PATH);
  });

  it('has the five demo people with their chat ids', async () => {
    const cfg = await loadDemoConfig();
    expect(cfg.principals.map((p) => p.id)).toEqual([
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
      'dave@example.com',
      'erin@example.com',
    ]);
    expect(cfg.principals[0]).toMatchObject({ slack: 'U0ALICE', teams: '00000000-0000-0000-0000-00000000a11c' });
  });

  it('makes erin an admin and carol an sre-lead', async () => {
    const dir = buildDirectory(await loadDemoConfig());
    expect(dir.isAdmin('erin@example.com')).toBe(true);
    expect(dir.groupsOf('carol@example.com')).toEqual(['sre-leads']);
  });

  it('has the approvals and security channels on both platforms', async () => {
    expect((await loadDemoConfig()).channels).toEqual({
      approvals: { slack: 'C0APPROVALS', teams: '19:approvals@thread.tacv2' },
      security: { slack: 'C0SECURITY', teams: '19:security@thread.tacv2' },
    });
  });

  it('gives Owner a 1h, ticketed, approved, notified activation', async () => {
    const owner = (await loadDemoConfig()).roles.find((r) => r.name === 'Owner');
    expect(owner?.scopes.map((s) => s.path)).toEqual(['/subscriptions/prod']);
    expect(owner?.scopes[0]?.policy).toMatchObject({
      maxActivationMs: HOUR,
      requireJustification: true,
      requireTicket: true,
      ticketPattern: '^INC-[0-9]+$',
      approval: { required: true, approvers: ['group:sre-leads'], timeoutMs: 24 * HOUR },
      notify: { activated: ['security'] },
    });
  });

  it('gives Contributor, Reader and Global Administrator their policies', async () => {
    const roles = (await loadDemoConfig()).roles;
    const policy = (name: string, i = 0) => roles.find((r) => r.name === name)?.scopes[i]?.policy;
    expect(roles.find((r) => r.name === 'Contributor')?.scopes.map((s) => s.path)).toEqual(['/subscriptions/prod', '/subscriptions/dev']);
    expect(policy('Contributor', 1)).toMatchObject({ maxActivationMs: 8 * HOUR, approval: { required: false } });
    expect(policy('Reader')).toMatchObject({ requireJustification: false, approval: { required: false } });
    expect(policy('Global Administrator')).toMatchObject({
      maxActivationMs: 2 * HOUR,
      requireMfa: true,
      approval: { required: true, approvers: ['group:sre-leads'] },
    });
  });

  it('bootstraps alice for every role, bob for Contributor and Reader, carol for Owner', async () => {
    const a = (await loadDemoConfig()).bootstrap.assignments;
    const of = (who: string) => a.filter((x) => x.principal === who).map((x) => `${x.role}@${x.scope}`);
    expect(of('alice@example.com')).toEqual([
      'Owner@/subscriptions/prod',
      'Contributor@/subscriptions/prod',
      'Contributor@/subscriptions/dev',
      'Reader@/',
      'Global Administrator@/',
    ]);
    expect(of('bob@example.com')).toEqual(['Contributor@/subscriptions/prod', 'Contributor@/subscriptions/dev', 'Reader@/']);
    expect(of('carol@example.com')).toEqual(['Owner@/subscriptions/prod']);
    expect(a.every((x) => x.type === 'eligible')).toBe(true);
  });

  it('matches pim.config.yaml.example, which documents it', async () => {
    const demo = await loadDemoConfig();
    const example = parsePimConfig(await readFile('pim.config.yaml.example', 'utf8'), 'pim.config.yaml.example', { env: {} });
    const { source: _a, isDemo: _b, ...demoRest } = demo;
    const { source: _c, isDemo: _d, ...exampleRest } = example;
    expect(exampleRest).toEqual(demoRest);
  });
});

describe('loadPimConfig', () => {
  it('reads and parses the file at the path', async () => {
    const cfg = await loadPimConfig('./pim.config.yaml', () => 'roles: [{ name: Reader }]');
    expect(cfg.roles.map((r) => r.name)).toEqual(['Reader']);
    expect(cfg.source).toBe('pim.config.yaml');
    expect(cfg.isDemo).toBe(false);
  });

  it('returns the demo config when the file does not exist', async () => {
    const cfg = await loadPimConfig('./missing.yaml', enoent);
    expect(cfg.isDemo).toBe(true);
    expect(cfg.roles).toHaveLength(4);
  });

  it('returns the demo config when no path is given', async () => {
    expect((await loadPimConfig(undefined)).isDemo).toBe(true);
  });

  it('refuses a missing file when demoWhenMissing is false', async () => {
    await expect(loadPimConfig('./missing.yaml', enoent, { demoWhenMissing: false })).rejects.toThrow(
      'missing.yaml: the file does not exist (set PIM_CONFIG to its path)',
    );
  });

  it('refuses a file it cannot read for another reason', async () => {
    const denied = (): never => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    await expect(loadPimConfig('/etc/pim.yaml', denied)).rejects.toBeInstanceOf(ConfigError);
  });

  it('names the file it was given in every problem', async () => {
    await expect(loadPimConfig('/etc/pim/prod.yaml', () => 'roles: [{ name: A, policy: { maxActivation: 2d } }]')).rejects.toThrow(
      '/etc/pim/prod.yaml: roles.0.policy.maxActivation: expected a duration between 5m and 24h like "1h", got "2d"',
    );
  });

  it('keeps durations in the demo as milliseconds', async () => {
    const p = (await loadDemoConfig()).roles[0]?.scopes[0]?.policy;
    expect(p?.eligibleExpiryMs).toBe(365 * DAY);
  });
});
