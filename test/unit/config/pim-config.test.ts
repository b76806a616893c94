import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, buildDirectory } from '../../../src/config/pim-config.js';
import { DAY, DEFAULT_ALERT_SETTINGS, HOUR, MINUTE } from '../../../src/core/index.js';
import { BASE, parse, problemsOf } from './helpers.js';

const policyOf = (yaml: string, role = 0, scope = 0) => {
  const p = parse(yaml).roles[role]?.scopes[scope]?.policy;
  if (!p) throw new Error('no such role or scope');
  return p;
};

describe('parsePimConfig defaults', () => {
  it('turns an empty file into an empty config with defaults', () => {
    const cfg = parse('');
    expect(cfg).toMatchObject({
      principals: [],
      groups: [],
      admins: [],
      auditors: [],
      channels: {},
      roles: [],
      schedules: { digest: '0 9 * * 1' },
      alerts: { ...DEFAULT_ALERT_SETTINGS, criticalRoles: [] },
      provider: { type: 'record' },
      bootstrap: { assignments: [] },
      source: 'pim.config.yaml',
      isDemo: false,
    });
  });

  it('gives a role without a policy the default policy', () => {
    expect(policyOf('roles: [{ name: Reader }]')).toEqual(DEFAULT_POLICY);
  });

  it('documents the defaults docs/ARCHITECTURE.md names', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      maxActivationMs: 8 * HOUR,
      requireJustification: true,
      requireTicket: false,
      requireMfa: false,
      approval: { required: false, approvers: [], timeoutMs: 24 * HOUR, requireMfa: false },
      eligibleExpiryMs: 365 * DAY,
      activeExpiryMs: 180 * DAY,
      allowPermanentEligible: true,
      allowPermanentActive: false,
      warnBeforeMs: 10 * MINUTE,
    });
  });

  it('gives a role without scopes the root scope', () => {
    expect(parse('roles: [{ name: Reader }]').roles[0]?.scopes.map((s) => s.path)).toEqual(['/']);
  });

  it('fills only the keys a policy leaves out', () => {
    const p = policyOf('roles: [{ name: Reader, policy: { requireJustification: false } }]');
    expect(p.requireJustification).toBe(false);
    expect(p.maxActivationMs).toBe(8 * HOUR);
  });

  it('accepts requireTicket without a ticketPattern', () => {
    const p = policyOf('roles: [{ name: Owner, policy: { requireTicket: true } }]');
    expect(p.requireTicket).toBe(true);
    expect(p.ticketPattern).toBeUndefined();
  });

  it('keeps the alert thresholds and schedules it is given', () => {
    const cfg = parse(`
schedules: { digest: "30 8 * * 5", alertScan: "*/15 * * * *", reviewReminder: "0 0 10 * * *" }
alerts: { maxGlobalAdmins: 2 }
`);
    expect(cfg.schedules).toEqual({ digest: '30 8 * * 5', alertScan: '*/15 * * * *', reviewReminder: '0 0 10 * * *' });
    // The flat keys of earlier versions still set the rules' thresholds.
    expect(cfg.alerts.too_many_critical_holders).toEqual({ enabled: true, severity: 'medium', maxHolders: 2, maxPercent: 10 });
    expect(cfg.alerts.frequent_activations).toEqual({ enabled: true, severity: 'low', activations: 10, windowMs: 24 * 60 * 60_000 });
    expect(cfg.alerts.unused_eligible).toEqual({ enabled: true, severity: 'low', days: 90 });
  });

  it('reads each alert rule with its severity, thresholds and enabled, and names bad keys', () => {
    const cfg = parse(`
roles:
  - { name: Owner, scopes: [/] }
  - { name: Reader, scopes: [/] }
alerts:
  criticalRoles: [owner, Reader]
  tooManyCriticalHolders: { maxHolders: 3, maxPercent: 25, severity: high }
  frequentActivations: { activations: 4, window: 2h }
  unusedEligible: { days: 30, enabled: false }
  noMfa: { enabled: false }
  breakGlass: { severity: high }
`);
    expect(cfg.alerts.criticalRoles).toEqual(['Owner', 'Reader']);
    expect(cfg.alerts.too_many_critical_holders).toEqual({ enabled: true, severity: 'high', maxHolders: 3, maxPercent: 25 });
    expect(cfg.alerts.frequent_activations).toEqual({ enabled: true, severity: 'low', activations: 4, windowMs: 2 * 60 * 60_000 });
    expect(cfg.alerts.unused_eligible).toEqual({ enabled: false, severity: 'low', days: 30 });
    expect(cfg.alerts.no_mfa.enabled).toBe(false);
    expect(cfg.alerts.break_glass).toEqual({ enabled: true, severity: 'high' });
    expect(cfg.alerts.permanent_active).toEqual(DEFAULT_ALERT_SETTINGS.permanent_active);
    expect(() => parse('roles: [{ name: Owner, scopes: [/] }]\nalerts: { criticalRoles: [Nobody] }\n')).toThrow(/alerts\.criticalRoles\.0: no role named "Nobody" in roles/);
    expect(() => parse('alerts: { frequentActivations: { activations: 1 } }\n')).toThrow(/alerts\.frequentActivations\.activations: expected a whole number from 2 to 100/);
    expect(() => parse('alerts: { noMfa: { severity: urgent } }\n')).toThrow(/alerts\.noMfa\.severity: expected one of low, medium, high, critical/);
    expect(() => parse('alerts: { tooManyCriticalHolders: { maxPercent: 120 } }\n')).toThrow(/maxPercent: expected a percentage between 0 and 100/);
    expect(() => parse('alerts: { unusedEligible: { dayz: 3 } }\n')).toThrow(/alerts\.unusedEligible\.dayz/);
  });
});

describe('parsePimConfig durations', () => {
  it('converts policy durations to milliseconds', () => {
    const p = policyOf(`
roles:
  - name: Owner
    policy:
      maxActivation: 1h30m
      warnBefore: 5m
      approval: { timeout: 2d }
      eligibleExpiry: 90d
      activeExpiry: 1.5h
`);
    expect(p.maxActivationMs).toBe(90 * MINUTE);
    expect(p.warnBeforeMs).toBe(5 * MINUTE);
    expect(p.approval.timeoutMs).toBe(2 * DAY);
    expect(p.eligibleExpiryMs).toBe(90 * DAY);
    expect(p.activeExpiryMs).toBe(90 * MINUTE);
  });

  it('reads permanent and null expiries as no limit', () => {
    const p = policyOf('roles: [{ name: Owner, policy: { eligibleExpiry: permanent, activeExpiry: null } }]');
    expect(p.eligibleExpiryMs).toBeNull();
    expect(p.activeExpiryMs).toBeNull();
  });

  it('accepts the bounds of maxActivation, 5m and 24h', () => {
    expect(policyOf('roles: [{ name: A, policy: { maxActivation: 5m } }]').maxActivationMs).toBe(5 * MINUTE);
    expect(policyOf('roles: [{ name: A, policy: { maxActivation: 24h } }]').maxActivationMs).toBe(24 * HOUR);
  });

  it('converts a webhook timeout to milliseconds and defaults it to 10s', () => {
    const withTimeout = parse('provider: { type: webhook, url: "https://h.example.com/x", secret: 0123456789abcdef, timeout: 30s }');
    const without = parse('provider: { type: webhook, url: "https://h.example.com/x", secret: 0123456789abcdef }');
    expect(withTimeout.provider).toEqual({ type: 'webhook', url: 'https://h.example.com/x', secret: '0123456789abcdef', timeoutMs: 30_000 });
    expect(without.provider).toMatchObject({ timeoutMs: 10_000 });
  });
});

describe('parsePimConfig per-scope policy', () => {
  const yaml = `${BASE}
roles:
  - name: Contributor
    scopes:
      - /subscriptions/prod
      - path: /subscriptions/dev
        policy:
          maxActivation: 24h
          approval: { approvers: [alice@example.com] }
          notify: { expired: [approvals] }
    policy:
      maxActivation: 2h
      requireTicket: true
      approval: { required: true, approvers: [group:leads], timeout: 1h }
      notify: { activated: [security], expired: [security] }
`;

  it('gives a plain scope the role policy', () => {
    const p = policyOf(yaml, 0, 0);
    expect(p.maxActivationMs).toBe(2 * HOUR);
    expect(p.approval.approvers).toEqual(['group:leads']);
  });

  it('replaces the keys a scope sets', () => {
    expect(policyOf(yaml, 0, 1).maxActivationMs).toBe(24 * HOUR);
  });

  it('keeps the role keys a scope does not set', () => {
    expect(policyOf(yaml, 0, 1).requireTicket).toBe(true);
  });

  it('merges approval key by key', () => {
    expect(policyOf(yaml, 0, 1).approval).toEqual({ required: true, approvers: ['alice@example.com'], timeoutMs: HOUR, requireMfa: false });
  });

  it('merges notify event by event', () => {
    expect(policyOf(yaml, 0, 1).notify).toEqual({ activated: ['security'], expired: ['approvals'] });
  });
});

describe('parsePimConfig directory', () => {
  it('defaults email to an e-mail id, name to its local part, and kind to user', () => {
    const [p] = parse('directory: { users: [{ id: carol@example.com }] }').principals;
    expect(p).toEqual({ id: 'carol@example.com', name: 'carol', kind: 'user', email: 'carol@example.com' });
  });

  it('keeps an object id without an e-mail and a service kind', () => {
    const [p] = parse('directory: { users: [{ id: deploy-bot, kind: service }] }').principals;
    expect(p).toEqual({ id: 'deploy-bot', name: 'deploy-bot', kind: 'service' });
  });

  it('stores Teams object ids in lower case', () => {
    expect(parse(BASE).principals[1]?.teams).toBe('3f1c2a9e-0000-4000-8000-0000000000b0');
  });

  it('resolves references by e-mail to the directory id', () => {
    const cfg = parse(`${BASE}\nadmins: [BOB@example.com]\nauditors: [group:LEADS]`);
    expect(cfg.admins).toEqual(['3f1c2a9e-0000-4000-8000-000000000001']);
    expect(cfg.auditors).toEqual(['group:leads']);
  });

  it('builds a Directory that resolves chat ids and groups', () => {
    const dir = buildDirectory(parse(`${BASE}\nadmins: [group:leads]`));
    expect(dir.resolve('slack', 'U0ALICE').id).toBe('alice@example.com');
    expect(dir.resolve('teams', '3f1c2a9e-0000-4000-8000-0000000000b0').name).toBe('Bob');
    expect(dir.isAdmin('alice@example.com')).toBe(true);
    expect(dir.isAdmin('bob@example.com')).toBe(false);
  });

  it('keeps channels with a Slack id, a Teams id or both', () => {
    expect(parse(BASE).channels).toEqual({ approvals: { slack: 'C0APPROVALS' }, security: { teams: '19:sec@thread.tacv2' } });
  });
});

describe('parsePimConfig bootstrap', () => {
  const roles = `${BASE}
roles:
  - { name: Contributor, scopes: [/prod, /dev] }
  - { name: Owner, scopes: [/prod], policy: { allowPermanentActive: true } }
`;

  it('expands an assignment without a scope to every scope of the role', () => {
    const cfg = parse(`${roles}bootstrap: { assignments: [{ principal: alice@example.com, role: contributor, type: eligible }] }`);
    expect(cfg.bootstrap.assignments).toEqual([
      { principal: 'alice@example.com', role: 'Contributor', scope: '/prod', type: 'eligible', forMs: null, until: null },
      { principal: 'alice@example.com', role: 'Contributor', scope: '/dev', type: 'eligible', forMs: null, until: null },
    ]);
  });

  it('converts for to milliseconds', () => {
    const cfg = parse(`${roles}bootstrap: { assignments: [{ principal: group:leads, role: Owner, scope: /prod, type: active, for: 90d }] }`);
    expect(cfg.bootstrap.assignments[0]).toMatchObject({ principal: 'group:leads', scope: '/prod', type: 'active', forMs: 90 * DAY });
  });

  it('converts until to a Date', () => {
    const cfg = parse(`${roles}bootstrap: { assignments: [{ principal: alice@example.com, role: Owner, type: eligible, until: 2026-12-31 }] }`);
    expect(cfg.bootstrap.assignments[0]?.until).toEqual(new Date('2026-12-31T00:00:00Z'));
  });
});

describe('parsePimConfig webhook provider', () => {
  it('reads the signing secret from the variable secretEnv names', () => {
    const cfg = parse('provider: { type: webhook, url: "https://h.example.com/x", secretEnv: HOOK_SECRET }', {
      HOOK_SECRET: 'abcdefghijklmnopqrstuvwxyz',
    });
    expect(cfg.provider).toMatchObject({ type: 'webhook', secret: 'abcdefghijklmnopqrstuvwxyz' });
  });
});

describe('parsePimConfig delivery and slack', () => {
  it('defaults delivery.giveUpAfter to 8h and no workspace', () => {
    const cfg = parse('{}');
    expect(cfg.delivery).toEqual({ giveUpAfterMs: 8 * 60 * MINUTE, pacing: true });
    expect(cfg.slack).toEqual({ teamIds: [], enterpriseId: null });
  });

  it('reads the give-up time and the workspaces served', () => {
    const cfg = parse('delivery: { giveUpAfter: 2h }\nslack: { teamIds: [T0PIM, T0OTHER], enterpriseId: E0GRID }');
    expect(cfg.delivery.giveUpAfterMs).toBe(120 * MINUTE);
    expect(cfg.slack).toEqual({ teamIds: ['T0PIM', 'T0OTHER'], enterpriseId: 'E0GRID' });
  });

  it('names a bad workspace id and a give-up time out of range', () => {
    expect(problemsOf('slack: { teamIds: [general] }').join('\n')).toMatch(/slack\.teamIds.*T0123ABCD/);
    expect(problemsOf('delivery: { giveUpAfter: 5s }').join('\n')).toMatch(/delivery\.giveUpAfter/);
  });

  it('defaults the MFA lockout to 5 wrong codes in 15 minutes locking for 15 minutes', () => {
    expect(parse('{}').mfa).toEqual({ maxFailures: 5, failureWindowMs: 15 * MINUTE, lockForMs: 15 * MINUTE });
  });

  it('reads mfa.maxFailures, failureWindow and lockFor, and names bad ones', () => {
    expect(parse('mfa: { maxFailures: 3, failureWindow: 1h, lockFor: 30m }').mfa).toEqual({ maxFailures: 3, failureWindowMs: 60 * MINUTE, lockForMs: 30 * MINUTE });
    expect(problemsOf('mfa: { maxFailures: 0 }').join('\n')).toMatch(/mfa\.maxFailures: expected a whole number of at least 1/);
    expect(problemsOf('mfa: { maxFailures: 1000 }').join('\n')).toMatch(/mfa\.maxFailures: expected at most 100/);
    expect(problemsOf('mfa: { lockFor: 10s }').join('\n')).toMatch(/mfa\.lockFor: expected a duration between 1m and 7d/);
    expect(problemsOf('mfa: { lockout: 15m }').join('\n')).toMatch(/mfa\.lockout: unknown key; expected one of: maxFailures, failureWindow, lockFor/);
  });

  it('reads approval.requireMfa (approver step-up), default false', () => {
    const cfg = parse(`
directory: { users: [{ id: alice@example.com }] }
roles:
  - name: Owner
    policy: { approval: { required: true, approvers: [alice@example.com], requireMfa: true } }
  - name: Reader
`);
    expect(cfg.roles[0]?.scopes[0]?.policy.approval.requireMfa).toBe(true);
    expect(cfg.roles[1]?.scopes[0]?.policy.approval.requireMfa).toBe(false);
    expect(problemsOf('roles: [{ name: Owner, policy: { approval: { requireMfa: yes please } } }]').join('\n')).toMatch(/approval\.requireMfa: expected true or false/);
  });
});
