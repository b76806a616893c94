import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { BASE, SOURCE, problemsOf } from './helpers.js';

describe('parsePimConfig schema errors', () => {
  it('names a maxActivation out of range with its path and value', () => {
    expect(problemsOf('roles: [{ name: Owner, policy: { maxActivation: 48h } }]')).toEqual([
      'pim.config.yaml: roles.0.policy.maxActivation: expected a duration between 5m and 24h like "1h", got "48h"',
    ]);
  });

  it('names a duration that does not parse', () => {
    expect(problemsOf('roles: [{ name: Owner, policy: { warnBefore: soon } }]')).toEqual([
      'pim.config.yaml: roles.0.policy.warnBefore: expected a duration between 1m and 24h like "10m", got "soon"',
    ]);
  });

  it('names an unknown key and lists the known ones', () => {
    const [problem] = problemsOf('roles: [{ name: Owner, policy: { requireJustifcation: true } }]');
    expect(problem).toMatch(/^pim\.config\.yaml: roles\.0\.policy\.requireJustifcation: unknown key; expected one of: maxActivation, requireJustification,/);
  });

  it('names a missing required key', () => {
    expect(problemsOf('roles: [{ description: no name }]')).toEqual([
      'pim.config.yaml: roles.0.name: expected a role name like Owner, got nothing',
    ]);
  });

  it('names a value of the wrong type', () => {
    expect(problemsOf('roles: [{ name: Owner, policy: { requireMfa: "yes" } }]')).toEqual([
      'pim.config.yaml: roles.0.policy.requireMfa: expected true or false, got "yes"',
    ]);
  });

  it('names a ticketPattern that is not a regular expression', () => {
    expect(problemsOf('roles: [{ name: Owner, policy: { ticketPattern: "INC-[0-9" } }]')).toEqual([
      'pim.config.yaml: roles.0.policy.ticketPattern: expected a regular expression like ^INC-[0-9]+$, got "INC-[0-9"',
    ]);
  });

  it('names a scope written as a string without a leading slash', () => {
    expect(problemsOf('roles: [{ name: Owner, scopes: [/ok, subscriptions/prod] }]')).toEqual([
      'pim.config.yaml: roles.0.scopes.1: expected a scope path starting with "/", like /subscriptions/prod, got "subscriptions/prod"',
    ]);
  });

  it('names an unknown notify event', () => {
    const [problem] = problemsOf('roles: [{ name: Owner, policy: { notify: { activate: [security] } } }]');
    expect(problem).toMatch(/^pim\.config\.yaml: roles\.0\.policy\.notify\.activate: unknown key; expected one of: requested, approved,/);
  });

  it('names a channel with neither a Slack nor a Teams id', () => {
    expect(problemsOf('channels: { approvals: {} }')).toEqual([
      'pim.config.yaml: channels.approvals: expected a slack channel id, a teams conversation id, or both',
    ]);
  });

  it('names a cron expression with the wrong number of fields', () => {
    expect(problemsOf('schedules: { digest: "0 9 * *" }')).toEqual([
      'pim.config.yaml: schedules.digest: expected a cron expression with 5 or 6 fields like "0 9 * * 1", got "0 9 * *" (expected 5 or 6 fields but got 4)',
    ]);
  });

  it('names an alert threshold that is not a positive whole number', () => {
    expect(problemsOf('alerts: { staleEligibleDays: 0 }')).toEqual([
      'pim.config.yaml: alerts.staleEligibleDays: expected a whole number of days, at least 1, got 0',
    ]);
  });

  it('names an unknown provider type', () => {
    expect(problemsOf('provider: { type: ldap }')).toEqual([
      'pim.config.yaml: provider.type: expected one of: record, webhook, postgres, entra, azure, got "ldap"',
    ]);
  });

  it('names a Slack user id that does not look like one', () => {
    expect(problemsOf('directory: { users: [{ id: a@example.com, slack: "@alice" }] }')).toEqual([
      'pim.config.yaml: directory.users.0.slack: expected a Slack user id like U0123ABCD, got "@alice"',
    ]);
  });

  it('names a bootstrap type other than eligible or active', () => {
    expect(problemsOf('bootstrap: { assignments: [{ principal: a, role: R, type: permanent }] }')).toEqual([
      'pim.config.yaml: bootstrap.assignments.0.type: expected one of: eligible, active, got "permanent"',
    ]);
  });

  it('names a document that is not a mapping', () => {
    expect(problemsOf('- roles')).toEqual(['pim.config.yaml: expected a mapping, got a list']);
  });

  it('names YAML syntax errors by line and column', () => {
    expect(problemsOf('roles:\n  - name: [Owner\nadmins: []\n')).toEqual([
      'pim.config.yaml: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('names a duplicated key by line and column', () => {
    expect(problemsOf('admins: []\nadmins: []\n')).toEqual(['pim.config.yaml: line 2, column 1: Map keys must be unique']);
  });

  it('adds the line of the offending value', () => {
    expect(() => parsePimConfig('roles:\n  - name: Owner\n    policy:\n      maxActivation: 48h\n', SOURCE, { env: {} })).toThrow(
      'got "48h" (line 4)',
    );
  });

  it('lists every problem at once in a ConfigError', () => {
    const bad = 'roles: [{ name: Owner, policy: { maxActivation: 48h, requireMfa: 1 } }]\nalerts: { maxGlobalAdmins: -1 }';
    let error: unknown;
    try {
      parsePimConfig(bad, SOURCE, { env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(3);
    expect((error as ConfigError).message).toMatch(/^pim\.config\.yaml is not valid \(3 problems\):/);
  });
});

describe('parsePimConfig cross-checks', () => {
  it('names an approver who is not in the directory', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner, policy: { approval: { required: true, approvers: [mallory@example.com] } } }]`)).toEqual([
      'pim.config.yaml: roles.0.policy.approval.approvers.0: expected a user from directory.users (known: alice@example.com, 3f1c2a9e-0000-4000-8000-000000000001) or group:<id>, got "mallory@example.com"',
      'pim.config.yaml: roles.0.policy.approval.approvers: expected at least one approver (a user id or group:<id>) when approval.required is true',
    ]);
  });

  it('names an unknown group', () => {
    expect(problemsOf(`${BASE}admins: [group:admins]`)).toEqual([
      'pim.config.yaml: admins.0: expected a group from directory.groups, got "group:admins"',
    ]);
  });

  it('names an unknown group member', () => {
    const [problem] = problemsOf('directory: { users: [{ id: a@example.com }], groups: [{ id: g, members: [a@example.com, zed] }] }');
    expect(problem).toMatch(/^pim\.config\.yaml: directory\.groups\.0\.members\.1: expected a user from directory\.users .* got "zed"$/);
  });

  it('names a group that contains itself', () => {
    expect(problemsOf('directory: { groups: [{ id: a, members: [group:b] }, { id: b, members: [group:a] }] }')).toEqual([
      'pim.config.yaml: directory.groups.1.members.0: expected groups without cycles, got a -> b -> a',
    ]);
  });

  it('names an unknown notify channel', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner, policy: { notify: { activated: [secops] } } }]`)).toEqual([
      'pim.config.yaml: roles.0.policy.notify.activated.0: expected a channel name from channels (approvals, security), got "secops"',
    ]);
  });

  it('requires approvers when approval is required', () => {
    expect(problemsOf('roles: [{ name: Owner, policy: { approval: { required: true } } }]')).toEqual([
      'pim.config.yaml: roles.0.policy.approval.approvers: expected at least one approver (a user id or group:<id>) when approval.required is true',
    ]);
  });

  it('names role names that differ only in case', () => {
    expect(problemsOf('roles: [{ name: Owner }, { name: owner }]')).toEqual([
      'pim.config.yaml: roles.1.name: expected a unique role name (names match case-insensitively), but "owner" is also roles.0',
    ]);
  });

  it('names a scope listed twice in one role', () => {
    expect(problemsOf('roles: [{ name: Owner, scopes: [/prod, /prod/] }]')).toEqual([
      'pim.config.yaml: roles.0.scopes.1: expected each scope once, but "/prod" is listed twice',
    ]);
  });

  it('names a duplicate user id', () => {
    expect(problemsOf('directory: { users: [{ id: a@example.com }, { id: A@example.com }] }')).toEqual([
      'pim.config.yaml: directory.users.1.id: expected a unique user id, but "A@example.com" is also directory.users.0',
    ]);
  });

  it('names a Slack id bound to two users', () => {
    expect(problemsOf('directory: { users: [{ id: a, slack: U1 }, { id: b, slack: U1 }] }')).toEqual([
      'pim.config.yaml: directory.users.1.slack: expected a unique Slack user id, but "U1" is also bound to directory.users.0',
    ]);
  });

  it('names a Teams id bound to two users, whatever its case', () => {
    const guid = '3f1c2a9e-0000-4000-8000-0000000000b0';
    expect(problemsOf(`directory: { users: [{ id: a, teams: ${guid} }, { id: b, teams: ${guid.toUpperCase()} }] }`)).toEqual([
      `pim.config.yaml: directory.users.1.teams: expected a unique Teams object id, but "${guid}" is also bound to directory.users.0`,
    ]);
  });

  it('names an e-mail that belongs to another user', () => {
    expect(problemsOf('directory: { users: [{ id: a@example.com }, { id: obj-2, email: a@example.com }] }')).toEqual([
      'pim.config.yaml: directory.users.1.email: expected a unique e-mail, but "a@example.com" is also directory.users.0',
    ]);
  });

  it('names a bootstrap role that does not exist', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner }]\nbootstrap: { assignments: [{ principal: alice@example.com, role: Ownr, type: eligible }] }`)).toEqual([
      'pim.config.yaml: bootstrap.assignments.0.role: expected a role name from roles (Owner), got "Ownr"',
    ]);
  });

  it('names a bootstrap scope the role does not have', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner, scopes: [/prod] }]\nbootstrap: { assignments: [{ principal: alice@example.com, role: Owner, scope: /dev, type: eligible }] }`)).toEqual([
      'pim.config.yaml: bootstrap.assignments.0.scope: expected a scope of Owner (/prod), got "/dev"',
    ]);
  });

  it('names a bootstrap principal who is not in the directory', () => {
    const [problem] = problemsOf(`${BASE}roles: [{ name: Owner }]\nbootstrap: { assignments: [{ principal: zed, role: Owner, type: eligible }] }`);
    expect(problem).toMatch(/^pim\.config\.yaml: bootstrap\.assignments\.0\.principal: expected a user from directory\.users .* got "zed"$/);
  });

  it('refuses a permanent bootstrap assignment the policy does not allow', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner }]\nbootstrap: { assignments: [{ principal: alice@example.com, role: Owner, type: active }] }`)).toEqual([
      'pim.config.yaml: bootstrap.assignments.0: expected for: or until:, because Owner at / does not allow permanent active assignments',
    ]);
  });

  it('refuses a bootstrap assignment longer than the policy allows', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner }]\nbootstrap: { assignments: [{ principal: alice@example.com, role: Owner, type: eligible, for: 400d }] }`)).toEqual([
      'pim.config.yaml: bootstrap.assignments.0.for: expected at most 365d for an eligible assignment of Owner at /, got "400d"',
    ]);
  });

  it('refuses a bootstrap assignment with both for and until', () => {
    expect(problemsOf(`${BASE}roles: [{ name: Owner }]\nbootstrap: { assignments: [{ principal: alice@example.com, role: Owner, type: eligible, for: 1d, until: 2030-01-01 }] }`)).toEqual([
      'pim.config.yaml: bootstrap.assignments.0.until: expected either for or until, not both',
    ]);
  });

  it('names a webhook secretEnv whose variable is not set', () => {
    expect(problemsOf('provider: { type: webhook, url: "https://h.example.com/x", secretEnv: HOOK_SECRET }')).toEqual([
      'pim.config.yaml: provider.secretEnv: expected environment variable HOOK_SECRET to hold the webhook signing secret, but it is not set',
    ]);
  });

  it('names a webhook without any secret', () => {
    expect(problemsOf('provider: { type: webhook, url: "https://h.example.com/x" }')).toEqual([
      'pim.config.yaml: provider.secret: expected a signing secret, or secretEnv naming the environment variable that holds it',
    ]);
  });
});
