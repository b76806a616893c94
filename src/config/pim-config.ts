/**
 * pim.config.yaml: the directory, roles and policies, channels, admins, schedules, alert
 * thresholds, grant provider and bootstrap assignments. Parsed with zod, cross-checked, and
 * converted to core types (durations in milliseconds). Every problem is reported at once as
 * `<file>: <path.to.key>: <what was expected>`.
 */
import { existsSync } from 'node:fs';
import { readFile as fsReadFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { type AlertSettings, assignmentLimits, DEFAULT_ALERT_SETTINGS, type AssignmentType, DAY, DEFAULT_POLICY, DEFAULT_REVIEW_SETTINGS, Directory, formatDuration, type Group, type MfaLockout, MINUTE, type NotifyEvent, type Policy, type Principal, REVIEW_DEFAULT_DAYS, type ReviewDefinition, type Role, type RoleScope } from '../core/index.js';
import { ConfigError, show } from './errors.js';
import type { GrantsConfig, ProviderConfig } from '../providers/config.js';
import { resolveGrants, resolveReconcile, type ReconcileConfig } from './grants.js';
import { PimConfigInput, fallbackError, type PolicyInput } from './pim-config-schema.js';

export { NOTIFY_EVENTS } from './pim-config-schema.js';

/** The well-known channel names and the default role setting are the core's. */
export { APPROVALS_CHANNEL, DEFAULT_POLICY, SECURITY_CHANNEL } from '../core/index.js';

export const DEFAULT_DIGEST_CRON = '0 9 * * 1';
export { DEFAULT_WEBHOOK_TIMEOUT_MS } from './grants.js';
/** `delivery.giveUpAfter`: long enough to outlast a platform outage of a working day. */
export const DEFAULT_GIVE_UP_AFTER_MS = 8 * 60 * 60_000;
/** `audit.retention`: 400 days, past a year of history for a yearly review. */
export const DEFAULT_AUDIT_RETENTION_MS = 400 * DAY;
/** `mfa`: 5 wrong codes within 15 minutes lock MFA for 15 minutes. */
export const DEFAULT_MFA_LOCKOUT: Readonly<MfaLockout> = Object.freeze({ maxFailures: 5, failureWindowMs: 15 * MINUTE, lockForMs: 15 * MINUTE });

export interface ChannelConfig {
  slack?: string;
  teams?: string;
}

export interface ScheduleConfig {
  /** Weekly digest (cron). */
  digest: string;
  alertScan?: string;
  reviewReminder?: string;
}


export type { GrantsConfig, ProviderConfig } from '../providers/config.js';
export { DEFAULT_RECONCILE, type ReconcileConfig } from './grants.js';

/** An assignment applied once to an empty database. `forMs` counts from when it is applied. */
export interface BootstrapAssignment {
  /** A principal id or `group:<id>`, as resolved against the directory. */
  principal: string;
  /** The role's name as the config spells it. */
  role: string;
  scope: string;
  type: AssignmentType;
  forMs: number | null;
  until: Date | null;
}

/** The validated config in core terms. */
export interface PimConfig {
  principals: Principal[];
  groups: Group[];
  /** Principal ids or `group:<id>`, resolved to the directory's spelling. */
  admins: string[];
  auditors: string[];
  channels: Record<string, ChannelConfig>;
  /** Each scope carries its effective policy (role policy with the scope's policy merged over it). */
  roles: Role[];
  schedules: ScheduleConfig;
  /** The security alert rules, each with its severity and thresholds. */
  alerts: AlertSettings;
  /** Recurring access reviews. */
  reviews: ReviewDefinition[];
  /** How long a message or grant that keeps failing is retried before it is dead-lettered. */
  delivery: {
    giveUpAfterMs: number;
    /** Pace chat messages at the platforms' documented rates (default true; off only against a fake). */
    pacing: boolean;
  };
  /** When wrong MFA codes lock a principal's MFA. */
  mfa: MfaLockout;
  /** Audit rows older than `retentionMs` are pruned daily (default 400 days, at least 30). */
  audit: { retentionMs: number };
  /** The default grant provider: the one for roles and scopes that name none (`provider:`). */
  provider: ProviderConfig;
  /** Every named provider and which one grants each role at each scope, with what it maps to. */
  grants: GrantsConfig;
  /** The reconciliation job: how often, and what a grant the target lost leads to. */
  reconcile: ReconcileConfig;
  /**
   * The Slack workspace(s) this bot serves: requests from any other are refused, and a Slack
   * account is found by its profile e-mail only when this is set.
   */
  slack: { teamIds: string[]; enterpriseId: string | null };
  /** Scope-less entries are expanded to one entry per scope of the role. */
  bootstrap: { assignments: BootstrapAssignment[] };
  /** Where the config came from (file path). */
  source: string;
  /** True when PIM_CONFIG did not exist and the built-in demo config was loaded instead. */
  isDemo: boolean;
}

export interface ParseOptions {
  /** Environment for the variables providers name (`secretEnv`, `urlEnv`, ...; default: process.env). */
  env?: Record<string, string | undefined>;
}

export interface LoadOptions extends ParseOptions {
  /** Load the demo config when the file does not exist (default true). */
  demoWhenMissing?: boolean;
}

export type ReadFile = (path: string) => string | Promise<string>;

/** The demo config next to this module (the build copies it beside the compiled file). */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('./demo.pim.config.yaml', import.meta.url));

/** Where the demo config actually is: beside this module, or in src/ when running from dist/. */
export function demoConfigPath(): string {
  const fromSource = fileURLToPath(new URL('../../../src/config/demo.pim.config.yaml', import.meta.url));
  return existsSync(DEMO_CONFIG_PATH) || !existsSync(fromSource) ? DEMO_CONFIG_PATH : fromSource;
}

type Path = ReadonlyArray<string | number>;

/** Collects problems as `<file>: <path>: <message> (line n)`. */
class Problems {
  readonly lines: string[] = [];

  constructor(
    private readonly source: string,
    private readonly doc?: Document,
    private readonly counter?: LineCounter,
  ) {}

  at(path: Path, message: string): void {
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    const line = this.lineOf(path);
    this.lines.push(`${this.source}: ${where}${message}${line === undefined ? '' : ` (line ${line})`}`);
  }

  raw(message: string): void {
    this.lines.push(`${this.source}: ${message}`);
  }

  private lineOf(path: Path): number | undefined {
    if (!this.doc || !this.counter) return undefined;
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = p.length === 0 ? this.doc.contents : this.doc.getIn(p, true);
      if (isNode(node) && node.range) return this.counter.linePos(node.range[0]).line;
      if (p.length === 0) return undefined;
    }
  }

  throwIfAny(): void {
    if (this.lines.length === 0) return;
    const n = this.lines.length;
    throw new ConfigError(`${this.source} is not valid (${n} problem${n === 1 ? '' : 's'}):`, this.lines);
  }
}

const valueAt = (data: unknown, path: Path): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);

/** Drops keys whose value is undefined, so merges and outputs hold only what was said. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A per-scope policy over the role's: scalar keys replace, approval keys and notify events merge. */
function mergePolicy(base: PolicyInput | undefined, over: PolicyInput | undefined): PolicyInput {
  const merged: PolicyInput = { ...defined(base), ...defined(over) };
  if (base?.approval || over?.approval) merged.approval = { ...defined(base?.approval), ...defined(over?.approval) };
  if (base?.notify || over?.notify) merged.notify = { ...defined(base?.notify), ...defined(over?.notify) };
  return merged;
}

function toPolicy(p: PolicyInput): Policy {
  const d = DEFAULT_POLICY;
  const policy: Policy = {
    maxActivationMs: p.maxActivation ?? d.maxActivationMs,
    requireJustification: p.requireJustification ?? d.requireJustification,
    requireTicket: p.requireTicket ?? d.requireTicket,
    requireMfa: p.requireMfa ?? d.requireMfa,
    approval: {
      required: p.approval?.required ?? d.approval.required,
      approvers: [...(p.approval?.approvers ?? d.approval.approvers)],
      timeoutMs: p.approval?.timeout ?? d.approval.timeoutMs,
      requireMfa: p.approval?.requireMfa ?? d.approval.requireMfa ?? false,
    },
    notify: defined(p.notify) as Partial<Record<NotifyEvent, string[]>>,
    eligibleExpiryMs: p.eligibleExpiry === undefined ? d.eligibleExpiryMs : p.eligibleExpiry,
    activeExpiryMs: p.activeExpiry === undefined ? d.activeExpiryMs : p.activeExpiry,
    allowPermanentEligible: p.allowPermanentEligible ?? d.allowPermanentEligible,
    allowPermanentActive: p.allowPermanentActive ?? d.allowPermanentActive,
    warnBeforeMs: p.warnBefore ?? d.warnBeforeMs,
  };
  if (p.ticketPattern !== undefined) policy.ticketPattern = p.ticketPattern;
  return policy;
}

const normalizeScope = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') || '/' : path);

const defaultName = (id: string): string => (id.includes('@') ? (id.split('@')[0] ?? id) : id);

type At = (path: Path, message: string) => void;
type Env = Record<string, string | undefined>;

/** Resolves a principal reference to the directory's spelling; undefined (and a problem) when it names nobody. */
type RefResolver = (value: string, path: Path) => string | undefined;

interface ResolvedDirectory {
  principals: Principal[];
  groups: Group[];
  ref: RefResolver;
  /** Resolves a list of references, dropping unknown ones and duplicates. */
  refs: (values: string[], path: Path) => string[];
}

/** Users and groups: every id, e-mail, Slack id and Teams id names exactly one user. */
function resolveDirectory(directory: PimConfigInput['directory'], at: At): ResolvedDirectory {
  const principals: Principal[] = [];
  const userByKey = new Map<string, { principal: Principal; index: number }>();
  const platformIds = { slack: new Map<string, number>(), teams: new Map<string, number>() };
  const platformLabel = { slack: 'Slack user id', teams: 'Teams object id' } as const;

  directory.users.forEach((u, i) => {
    const email = u.email ?? (u.id.includes('@') ? u.id : undefined);
    const principal: Principal = { id: u.id, name: u.name ?? defaultName(u.id), kind: u.kind ?? 'user', ...(u.breakGlass ? { breakGlass: true } : {}) };
    if (email !== undefined) principal.email = email;
    if (u.slack !== undefined) principal.slack = u.slack;
    if (u.teams !== undefined) principal.teams = u.teams.toLowerCase();
    principals.push(principal);

    const keys: Array<[string, 'id' | 'email']> = [[u.id, 'id']];
    if (email !== undefined && email.toLowerCase() !== u.id.toLowerCase()) keys.push([email, 'email']);
    for (const [value, field] of keys) {
      const other = userByKey.get(value.toLowerCase());
      if (other) {
        const what = field === 'id' ? 'user id' : 'e-mail';
        const path = field === 'email' && u.email === undefined ? 'id' : field;
        at(['directory', 'users', i, path], `expected a unique ${what}, but ${show(value)} is also directory.users.${other.index}`);
      } else {
        userByKey.set(value.toLowerCase(), { principal, index: i });
      }
    }
    for (const platform of ['slack', 'teams'] as const) {
      const value = principal[platform];
      if (value === undefined) continue;
      const other = platformIds[platform].get(value);
      if (other === undefined) platformIds[platform].set(value, i);
      else {
        at(
          ['directory', 'users', i, platform],
          `expected a unique ${platformLabel[platform]}, but ${show(value)} is also bound to directory.users.${other}`,
        );
      }
    }
  });

  const groupByKey = new Map<string, { id: string; index: number }>();
  directory.groups.forEach((g, i) => {
    const other = groupByKey.get(g.id.toLowerCase());
    if (other) {
      at(['directory', 'groups', i, 'id'], `expected a unique group id, but ${show(g.id)} is also directory.groups.${other.index}`);
    } else {
      groupByKey.set(g.id.toLowerCase(), { id: g.id, index: i });
    }
  });

  const knownUsers = (): string => {
    const ids = principals.slice(0, 5).map((p) => p.id);
    if (ids.length === 0) return 'directory.users is empty';
    return `known: ${ids.join(', ')}${principals.length > 5 ? ', ...' : ''}`;
  };

  const ref: RefResolver = (value, path) => {
    if (value.startsWith('group:')) {
      const g = groupByKey.get(value.slice(6).toLowerCase());
      if (g) return `group:${g.id}`;
      at(path, `expected a group from directory.groups, got ${show(value)}`);
      return undefined;
    }
    const u = userByKey.get(value.toLowerCase());
    if (u) return u.principal.id;
    at(path, `expected a user from directory.users (${knownUsers()}) or group:<id>, got ${show(value)}`);
    return undefined;
  };
  const refs = (values: string[], path: Path): string[] => [
    ...new Set(values.flatMap((v, j) => ref(v, [...path, j]) ?? [])),
  ];

  const groups: Group[] = directory.groups.map((g, i) => ({
    id: g.id,
    members: refs(g.members, ['directory', 'groups', i, 'members']),
  }));
  reportGroupCycles(groups, directory.groups, at);
  return { principals, groups, ref, refs };
}

function resolveChannels(input: PimConfigInput['channels'], at: At): Record<string, ChannelConfig> {
  const channels: Record<string, ChannelConfig> = {};
  for (const [name, c] of Object.entries(input)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
      at(['channels', name], `expected a channel name of letters, digits, - and _, got ${show(name)}`);
    }
    channels[name] = defined(c);
  }
  return channels;
}

/** Roles with each scope's effective policy; approvers resolved, notify channels checked. */
function resolveRoles(
  input: PimConfigInput['roles'],
  dir: ResolvedDirectory,
  channelNames: string[],
  at: At,
): Map<string, Role> {
  const checkPolicy = (p: PolicyInput | undefined, path: Path): PolicyInput | undefined => {
    if (!p) return p;
    const out: PolicyInput = { ...p };
    if (p.approval?.approvers) {
      out.approval = { ...p.approval, approvers: dir.refs(p.approval.approvers, [...path, 'approval', 'approvers']) };
    }
    for (const [event, names] of Object.entries(p.notify ?? {})) {
      names?.forEach((name, j) => {
        if (channelNames.includes(name)) return;
        const known = channelNames.length > 0 ? channelNames.join(', ') : 'channels is empty';
        at([...path, 'notify', event, j], `expected a channel name from channels (${known}), got ${show(name)}`);
      });
    }
    return out;
  };

  const roles = new Map<string, Role>();
  const indexOf = new Map<string, number>();
  input.forEach((r, i) => {
    const rolePolicy = checkPolicy(r.policy, ['roles', i, 'policy']);
    const scopes: RoleScope[] = [];
    (r.scopes ?? [{ path: '/' }]).forEach((s, k) => {
      const scopePath = normalizeScope(s.path);
      if (scopes.some((x) => x.path === scopePath)) {
        at(['roles', i, 'scopes', k], `expected each scope once, but ${show(scopePath)} is listed twice`);
        return;
      }
      const scopePolicy = checkPolicy(s.policy, ['roles', i, 'scopes', k, 'policy']);
      const policy = toPolicy(mergePolicy(rolePolicy, scopePolicy));
      if (policy.approval.required && policy.approval.approvers.length === 0) {
        const base = s.policy?.approval ? ['roles', i, 'scopes', k, 'policy'] : ['roles', i, 'policy'];
        at(
          [...base, 'approval', 'approvers'],
          'expected at least one approver (a user id or group:<id>) when approval.required is true',
        );
      }
      scopes.push({ path: scopePath, policy });
    });

    const role: Role = { name: r.name, scopes };
    if (r.description !== undefined) role.description = r.description;
    const key = r.name.toLowerCase();
    const other = indexOf.get(key);
    if (other !== undefined) {
      at(
        ['roles', i, 'name'],
        `expected a unique role name (names match case-insensitively), but ${show(r.name)} is also roles.${other}`,
      );
    } else {
      roles.set(key, role);
      indexOf.set(key, i);
    }
  });
  return roles;
}

/** Bootstrap assignments checked against roles and policies; a scope-less entry covers every scope. */
function resolveBootstrap(
  input: PimConfigInput['bootstrap']['assignments'],
  roles: Map<string, Role>,
  dir: ResolvedDirectory,
  at: At,
): BootstrapAssignment[] {
  const assignments: BootstrapAssignment[] = [];
  const seen = new Map<string, number>();
  input.forEach((a, i) => {
    const path = ['bootstrap', 'assignments', i];
    const principal = dir.ref(a.principal, [...path, 'principal']);
    const role = roles.get(a.role.toLowerCase());
    if (!role) {
      const known = [...roles.values()].map((r) => r.name).join(', ') || 'roles is empty';
      at([...path, 'role'], `expected a role name from roles (${known}), got ${show(a.role)}`);
      return;
    }
    const wanted = a.scope === undefined ? undefined : normalizeScope(a.scope);
    const scopes = role.scopes.filter((s) => wanted === undefined || s.path === wanted);
    if (scopes.length === 0) {
      const known = role.scopes.map((s) => s.path).join(', ');
      at([...path, 'scope'], `expected a scope of ${role.name} (${known}), got ${show(a.scope)}`);
      return;
    }
    if (a.for !== undefined && a.until !== undefined) {
      at([...path, 'until'], 'expected either for or until, not both');
      return;
    }

    for (const scope of scopes) {
      const p = scope.policy;
      const { allowPermanent: permanentOk, maxMs: limit } = assignmentLimits(p, a.type);
      const what = `${a.type} assignment of ${role.name} at ${scope.path}`;
      if (a.for === undefined && a.until === undefined && !permanentOk) {
        at(path, `expected for: or until:, because ${role.name} at ${scope.path} does not allow permanent ${a.type} assignments`);
      }
      if (a.for !== undefined && limit !== null && a.for > limit) {
        at([...path, 'for'], `expected at most ${formatDuration(limit)} for an ${what}, got ${show(formatDuration(a.for))}`);
      }
      if (principal === undefined) continue;

      const key = [principal.toLowerCase(), role.name.toLowerCase(), scope.path, a.type].join('\n');
      const dup = seen.get(key);
      if (dup !== undefined) {
        at(path, `expected each assignment once, but ${principal} ${a.type} for ${role.name} at ${scope.path} is also bootstrap.assignments.${dup}`);
        continue;
      }
      seen.set(key, i);
      assignments.push({
        principal,
        role: role.name,
        scope: scope.path,
        type: a.type,
        forMs: a.for ?? null,
        until: a.until ?? null,
      });
    }
  });
  return assignments;
}

/** Checks references between sections and converts the parsed input to core types. */
function resolve(input: PimConfigInput, problems: Problems, env: Env): Omit<PimConfig, 'source' | 'isDemo'> {
  const at: At = (path, message) => problems.at(path, message);
  const dir = resolveDirectory(input.directory, at);
  const channels = resolveChannels(input.channels, at);
  const roles = resolveRoles(input.roles, dir, Object.keys(channels), at);

  const schedules: ScheduleConfig = { digest: input.schedules.digest ?? DEFAULT_DIGEST_CRON };
  if (input.schedules.alertScan !== undefined) schedules.alertScan = input.schedules.alertScan;
  if (input.schedules.reviewReminder !== undefined) schedules.reviewReminder = input.schedules.reviewReminder;

  return {
    principals: dir.principals,
    groups: dir.groups,
    admins: dir.refs(input.admins, ['admins']),
    auditors: dir.refs(input.auditors, ['auditors']),
    channels,
    roles: [...roles.values()],
    schedules,
    alerts: resolveAlerts(input.alerts, roles, problems),
    reviews: resolveReviews(input.reviews, roles, dir, at),
    delivery: { giveUpAfterMs: input.delivery.giveUpAfter ?? DEFAULT_GIVE_UP_AFTER_MS, pacing: input.delivery.pacing ?? true },
    mfa: {
      maxFailures: input.mfa.maxFailures ?? DEFAULT_MFA_LOCKOUT.maxFailures,
      failureWindowMs: input.mfa.failureWindow ?? DEFAULT_MFA_LOCKOUT.failureWindowMs,
      lockForMs: input.mfa.lockFor ?? DEFAULT_MFA_LOCKOUT.lockForMs,
    },
    audit: { retentionMs: input.audit.retention ?? DEFAULT_AUDIT_RETENTION_MS },
    slack: { teamIds: input.slack.teamIds, enterpriseId: input.slack.enterpriseId ?? null },
    ...resolveGrants(input, env, at, normalizeScope),
    reconcile: resolveReconcile(input.reconcile),
    bootstrap: { assignments: resolveBootstrap(input.bootstrap.assignments, roles, dir, at) },
  };
}

/** Reports each group that contains itself through nested `group:` members. */
function reportGroupCycles(
  groups: Group[],
  written: ReadonlyArray<{ members: string[] }>,
  at: (path: Path, message: string) => void,
): void {
  const index = new Map(groups.map((g, i) => [g.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    state.set(id, 'visiting');
    const i = index.get(id) as number;
    (groups[i]?.members ?? []).forEach((m) => {
      if (!m.startsWith('group:')) return;
      const next = m.slice(6);
      if (state.get(next) === 'visiting') {
        const cycle = [...trail.slice(trail.indexOf(next)), id, next].join(' -> ');
        const j = (written[i]?.members ?? []).findIndex((w) => w.toLowerCase() === m.toLowerCase());
        at(['directory', 'groups', i, 'members', Math.max(j, 0)], `expected groups without cycles, got ${cycle}`);
      } else if (!state.has(next) && index.has(next)) {
        visit(next, [...trail, id]);
      }
    });
    state.set(id, 'done');
  };
  for (const g of groups) if (!state.has(g.id)) visit(g.id, []);
}

/**
 * Parses and validates the text of a pim.config.yaml. `sourceName` prefixes every problem.
 * Throws a ConfigError listing every problem (YAML syntax errors with line and column).
 */
export function parsePimConfig(yamlText: string, sourceName: string, options: ParseOptions = {}): PimConfig {
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const problems = new Problems(sourceName, doc, counter);

  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = counter.linePos(err.pos[0]);
      problems.raw(`line ${line}, column ${col}: ${err.message.split('\n')[0]}`);
    }
    problems.throwIfAny();
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    problems.raw(`cannot read the YAML: ${(e as Error).message}`);
    problems.throwIfAny();
  }

  const parsed = PimConfigInput.safeParse(data, { error: fallbackError });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.at([...issue.path, key] as Path, issue.message);
        continue;
      }
      let path = issue.path as Path;
      // A scope written as a plain string: report at the string, not at its implied `.path`.
      if (path.at(-1) === 'path' && typeof valueAt(data, path.slice(0, -1)) === 'string') path = path.slice(0, -1);
      problems.at(path, issue.message);
    }
    problems.throwIfAny();
  }

  const config = resolve((parsed as { data: PimConfigInput }).data, problems, options.env ?? process.env);
  problems.throwIfAny();
  return { ...config, source: sourceName, isDemo: false };
}

const readUtf8: ReadFile = (path) => fsReadFile(path, 'utf8');

const isMissing = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';

/** The built-in demo config (`src/config/demo.pim.config.yaml`), flagged `isDemo`. */
export async function loadDemoConfig(options: ParseOptions = {}): Promise<PimConfig> {
  const path = demoConfigPath();
  return { ...parsePimConfig(await readUtf8(path), path, options), isDemo: true };
}

/**
 * Reads and parses the config at `path`. When `path` is undefined or the file does not exist,
 * returns the demo config with `isDemo: true` (unless `demoWhenMissing` is false).
 */
export async function loadPimConfig(
  path: string | undefined,
  readFile: ReadFile = readUtf8,
  options: LoadOptions = {},
): Promise<PimConfig> {
  const demoOk = options.demoWhenMissing ?? true;
  if (path === undefined && demoOk) return loadDemoConfig(options);
  const source = (path ?? '').replace(/^\.\//, '') || 'pim.config.yaml';
  let text: string;
  try {
    if (path === undefined) throw Object.assign(new Error('no config path given'), { code: 'ENOENT' });
    text = await readFile(path);
  } catch (e) {
    if (isMissing(e) && demoOk) return loadDemoConfig(options);
    const why = isMissing(e) ? 'the file does not exist (set PIM_CONFIG to its path)' : (e as Error).message;
    throw new ConfigError(`Cannot read ${source}:`, [`${source}: ${why}`]);
  }
  return parsePimConfig(text, source, options);
}

/** The directory the core resolves people and groups with. */
export function buildDirectory(cfg: Pick<PimConfig, 'principals' | 'groups' | 'admins' | 'auditors'>): Directory {
  return new Directory(cfg.principals, cfg.groups, cfg.admins, cfg.auditors);
}

/** `alerts:` with the core's defaults (DEFAULT_ALERT_SETTINGS) filled in; critical roles must name roles of the config. */
function resolveAlerts(a: PimConfigInput['alerts'], roles: Map<string, Role>, problems: Problems): AlertSettings {
  const d = DEFAULT_ALERT_SETTINGS;
  const rule = <K extends Exclude<keyof AlertSettings, 'criticalRoles'>>(key: K, r: { enabled?: boolean | undefined; severity?: AlertSettings[K]['severity'] | undefined } | undefined) => ({
    enabled: r?.enabled ?? d[key].enabled,
    severity: r?.severity ?? d[key].severity,
  });
  const known = [...roles.values()].map((r) => r.name);
  const named = (n: string) => known.find((k) => k.toLowerCase() === n.toLowerCase());
  a.criticalRoles?.forEach((name, k) => {
    if (!named(name)) problems.at(['alerts', 'criticalRoles', k], `no role named ${JSON.stringify(name)} in roles`);
  });
  const criticalRoles = (a.criticalRoles ?? d.criticalRoles).map(named).filter((n): n is string => n !== undefined);
  return {
    criticalRoles,
    too_many_critical_holders: {
      ...rule('too_many_critical_holders', a.tooManyCriticalHolders),
      maxHolders: a.tooManyCriticalHolders?.maxHolders ?? a.maxGlobalAdmins ?? d.too_many_critical_holders.maxHolders,
      maxPercent: a.tooManyCriticalHolders?.maxPercent ?? d.too_many_critical_holders.maxPercent,
    },
    frequent_activations: {
      ...rule('frequent_activations', a.frequentActivations),
      activations: a.frequentActivations?.activations ?? a.activationsPerDay ?? d.frequent_activations.activations,
      windowMs: a.frequentActivations?.window ?? d.frequent_activations.windowMs,
    },
    unused_eligible: { ...rule('unused_eligible', a.unusedEligible), days: a.unusedEligible?.days ?? a.staleEligibleDays ?? d.unused_eligible.days },
    no_mfa: rule('no_mfa', a.noMfa),
    permanent_active: rule('permanent_active', a.permanentActive),
    break_glass: rule('break_glass', a.breakGlass),
    channel_failing: rule('channel_failing', a.channelFailing),
    outside_pim: rule('outside_pim', a.outsidePim),
  };
}

/** `reviews:` with the core's defaults filled in; roles, scopes and reviewers must name what the config has. */
function resolveReviews(input: PimConfigInput['reviews'], roles: Map<string, Role>, dir: ResolvedDirectory, at: At): ReviewDefinition[] {
  const seen = new Map<string, number>();
  const out: ReviewDefinition[] = [];
  input.forEach((r, i) => {
    const path = ['reviews', i];
    const dup = seen.get(r.name.toLowerCase());
    if (dup !== undefined) at([...path, 'name'], `expected each review name once, but ${show(r.name)} is also reviews.${dup}`);
    seen.set(r.name.toLowerCase(), i);
    const named: Role[] = [];
    r.roles.forEach((name, j) => {
      const role = roles.get(name.toLowerCase());
      if (!role) at([...path, 'roles', j], `expected a role name from roles (${[...roles.values()].map((x) => x.name).join(', ') || 'roles is empty'}), got ${show(name)}`);
      else named.push(role);
    });
    const scope = r.scope === undefined ? null : normalizeScope(r.scope);
    for (const role of named) {
      if (scope !== null && !role.scopes.some((s) => s.path === scope)) at([...path, 'scope'], `expected a scope of ${role.name} (${role.scopes.map((s) => s.path).join(', ')}), got ${show(r.scope)}`);
    }
    const [year, month, day] = r.start.split('-').map(Number) as [number, number, number];
    const reviewers: ReviewDefinition['reviewers'] = typeof r.reviewers === 'string' ? { kind: r.reviewers } : { kind: 'principals', ids: dir.refs(r.reviewers, [...path, 'reviewers']) };
    out.push({
      name: r.name,
      roles: named.map((x) => x.name),
      scope,
      reviewers,
      settings: {
        ...DEFAULT_REVIEW_SETTINGS,
        assignmentTypes: r.assignments ?? DEFAULT_REVIEW_SETTINGS.assignmentTypes,
        includePermanent: r.includePermanent ?? DEFAULT_REVIEW_SETTINGS.includePermanent,
        fallbackReviewers: dir.refs(r.fallbackReviewers ?? [], [...path, 'fallbackReviewers']),
        requireReason: r.requireReason ?? DEFAULT_REVIEW_SETTINGS.requireReason,
        reminders: r.reminders ?? DEFAULT_REVIEW_SETTINGS.reminders,
        recommendations: r.recommendations ?? DEFAULT_REVIEW_SETTINGS.recommendations,
        lookbackMs: r.lookback ?? DEFAULT_REVIEW_SETTINGS.lookbackMs,
        defaultDecision: r.defaultDecision ?? DEFAULT_REVIEW_SETTINGS.defaultDecision,
        autoApply: r.autoApply ?? DEFAULT_REVIEW_SETTINGS.autoApply,
      },
      durationDays: Math.round((r.duration ?? REVIEW_DEFAULT_DAYS * DAY) / DAY),
      recurrence: r.recurrence ?? 'once',
      start: { year, month, day },
      endAt: r.end ?? null,
      timeZone: r.timeZone ?? 'UTC',
    });
  });
  return out;
}
