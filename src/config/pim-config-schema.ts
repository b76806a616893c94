/**
 * The zod schema of pim.config.yaml, as written (durations as text, policies partial).
 * `pim-config.ts` checks references between sections and converts it to core types.
 */
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { ALERT_SEVERITIES, type NotifyEvent, parseDuration, REVIEW_DEFAULT_DECISIONS, REVIEW_RECURRENCES } from '../core/index.js';
import { show } from './errors.js';

export const NOTIFY_EVENTS = [
  'requested',
  'approved',
  'denied',
  'activated',
  'deactivated',
  'expired',
  'assigned',
  'removed',
  'alert',
] as const satisfies readonly NotifyEvent[];

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A mapping whose unknown keys are errors listing the known ones (typos fail fast). */
function mapping<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key; expected one of: ${known}` : undefined),
  });
}

/** A trimmed string that must pass `test`; errors read `expected <expected>, got <value>`. */
function text(expected: string, test: (s: string) => boolean = (s) => s.length > 0) {
  const error = (iss: { input?: unknown }) => `expected ${expected}, got ${show(iss.input)}`;
  return z
    .string({ error })
    .refine((s) => test(s.trim()), { error })
    .transform((s) => s.trim());
}

const bool = z.boolean({ error: (iss) => `expected true or false, got ${show(iss.input)}` });

function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: (iss) => `expected a list of ${what}, got ${show(iss.input)}` });
}

function count(expected: string) {
  const error = (iss: { input?: unknown }) => `expected ${expected}, got ${show(iss.input)}`;
  return z.number({ error }).refine((n) => Number.isInteger(n) && n >= 1, { error });
}

interface Range {
  min: string;
  max: string;
  example: string;
}

/** Milliseconds when `v` is a duration text within the range, else null. */
function inRange(v: unknown, range: Range): number | null {
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  const min = parseDuration(range.min) ?? 0;
  const max = parseDuration(range.max) ?? Infinity;
  return ms !== null && ms >= min && ms <= max ? ms : null;
}

const expectedDuration = (range: Range): string =>
  `expected a duration between ${range.min} and ${range.max} like "${range.example}"`;

/** A duration like `1h` within a range, to milliseconds; absent stays undefined. */
function duration(range: Range) {
  return z.unknown().transform((v, ctx): number | undefined => {
    if (v === undefined) return undefined;
    const ms = inRange(v, range);
    if (ms !== null) return ms;
    ctx.addIssue({ code: 'custom', message: `${expectedDuration(range)}, got ${show(v)}` });
    return z.NEVER;
  }).optional();
}

/** An assignment expiry: a duration, or null / `permanent` for no limit; absent stays undefined. */
function expiry(range: Range) {
  return z.unknown().transform((v, ctx): number | null | undefined => {
    if (v === undefined) return undefined;
    if (v === null || v === 'permanent') return null;
    const ms = inRange(v, range);
    if (ms !== null) return ms;
    ctx.addIssue({ code: 'custom', message: `${expectedDuration(range)}, or permanent, got ${show(v)}` });
    return z.NEVER;
  }).optional();
}

const date = z.unknown().transform((v, ctx): Date | undefined => {
  if (v === undefined) return undefined;
  const d = v instanceof Date ? v : typeof v === 'string' && DATE_RE.test(v.trim()) ? new Date(v.trim()) : null;
  if (d && !Number.isNaN(d.getTime())) return d;
  ctx.addIssue({ code: 'custom', message: `expected a date like 2026-12-31 or 2026-12-31T18:00:00Z, got ${show(v)}` });
  return z.NEVER;
}).optional();

const cron = z
  .string({ error: (iss) => `expected a cron expression like "0 9 * * 1", got ${show(iss.input)}` })
  .transform((s, ctx) => {
    const expr = s.trim().replace(/\s+/g, ' ');
    const result = validateDetailed(expr);
    if (result.valid) return expr;
    const why = result.errors[0]?.message;
    ctx.addIssue({
      code: 'custom',
      message: `expected a cron expression with 5 or 6 fields like "0 9 * * 1", got ${show(s)}${why ? ` (${why})` : ''}`,
    });
    return z.NEVER;
  });

const compiles = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};

/** A principal reference: a user id or e-mail, or `group:<id>`. */
export const principalRef = text('a user id or group:<id>', (s) => s.length > 0 && !/\s/.test(s) && s !== 'group:');

const channelName = text('a channel name from channels', (s) => s.length > 0);

const scopePath = text('a scope path starting with "/", like /subscriptions/prod', (s) => /^\/\S*$/.test(s));

const User = mapping({
  id: text(
    'a user id (an e-mail address or directory object id)',
    (s) => s.length > 0 && !/\s/.test(s) && !s.startsWith('group:'),
  ),
  name: text('a display name').optional(),
  email: text('an e-mail address like alice@example.com', (s) => EMAIL_RE.test(s)).optional(),
  slack: text('a Slack user id like U0123ABCD', (s) => /^[UW][A-Z0-9]+$/.test(s)).optional(),
  teams: text('an Entra ID (AAD) object id, a GUID like 6f1a0c2e-0000-4000-8000-000000000000', (s) =>
    GUID_RE.test(s),
  ).optional(),
  kind: z.enum(['user', 'service']).optional(),
  breakGlass: bool.optional(),
  postgres: text('a PostgreSQL login name of 1 to 63 bytes', (s) => s.length > 0 && Buffer.byteLength(s) <= 63).optional(),
  entra: text('an Entra ID object id, a GUID like 6f1a0c2e-0000-4000-8000-000000000000', (s) => GUID_RE.test(s)).optional(),
});

const GroupDef = mapping({
  id: text('a group id like sre-leads', (s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)),
  members: list(principalRef, 'user ids or group:<id>').default([]),
});

const Channel = mapping({
  slack: text('a Slack channel id like C0123ABCD', (s) => /^[CGD][A-Z0-9]+$/.test(s)).optional(),
  teams: text('a Teams conversation id like 19:abc@thread.tacv2', (s) => /^19:\S+$/.test(s)).optional(),
}).refine((c) => c.slack !== undefined || c.teams !== undefined, {
  error: 'expected a slack channel id, a teams conversation id, or both',
});

const channelList = list(channelName, 'channel names').optional();

/** A role setting as written: every key optional, defaults applied after merging. */
export const PolicyInput = mapping({
  maxActivation: duration({ min: '5m', max: '24h', example: '1h' }),
  requireJustification: bool.optional(),
  requireTicket: bool.optional(),
  ticketPattern: text('a regular expression like ^INC-[0-9]+$', (s) => s.length > 0 && compiles(s)).optional(),
  requireMfa: bool.optional(),
  approval: mapping({
    required: bool.optional(),
    approvers: list(principalRef, 'user ids or group:<id>').optional(),
    timeout: duration({ min: '5m', max: '30d', example: '24h' }),
    requireMfa: bool.optional(),
  }).optional(),
  notify: mapping({
    requested: channelList,
    approved: channelList,
    denied: channelList,
    activated: channelList,
    deactivated: channelList,
    expired: channelList,
    assigned: channelList,
    removed: channelList,
    alert: channelList,
  }).optional(),
  eligibleExpiry: expiry({ min: '1h', max: '3650d', example: '365d' }),
  activeExpiry: expiry({ min: '1h', max: '3650d', example: '180d' }),
  allowPermanentEligible: bool.optional(),
  allowPermanentActive: bool.optional(),
  warnBefore: duration({ min: '1m', max: '24h', example: '10m' }),
});
export type PolicyInput = z.output<typeof PolicyInput>;

const providerName = text('a provider name from providers', (s) => /^[A-Za-z][A-Za-z0-9_-]*$/.test(s));
const targetText = text('what the role maps to on the provider (a role name, a role definition id, group:<id>)');

const Scope = z.preprocess(
  (v) => (typeof v === 'string' ? { path: v } : v),
  mapping({ path: scopePath, policy: PolicyInput.optional(), provider: providerName.optional(), target: targetText.optional() }),
);

const RoleDef = mapping({
  name: text('a role name like Owner'),
  description: text('a description').optional(),
  scopes: list(Scope, 'scope paths or { path, policy }')
    .min(1, { error: 'expected at least one scope, like [/subscriptions/prod]' })
    .optional(),
  policy: PolicyInput.optional(),
  provider: providerName.optional(),
  target: targetText.optional(),
});

const SlackSection = mapping({
  teamIds: list(text('a Slack workspace (team) id like T0123ABCD', (s) => /^T[A-Z0-9]+$/.test(s)), 'workspace ids').default([]),
  enterpriseId: text('a Slack Enterprise Grid id like E0123ABCD', (s) => /^E[A-Z0-9]+$/.test(s)).optional(),
});

const Schedules = mapping({
  digest: cron.optional(),
  alertScan: cron.optional(),
  reviewReminder: cron.optional(),
});

const Delivery = mapping({
  giveUpAfter: duration({ min: '10m', max: '7d', example: '8h' }),
  pacing: bool.optional(),
});

/** When wrong MFA codes lock a principal's MFA (every code refused, the right one too). */
const Mfa = mapping({
  maxFailures: count('a whole number of at least 1').refine((n) => n <= 100, { error: 'expected at most 100 wrong codes' }).optional(),
  failureWindow: duration({ min: '1m', max: '24h', example: '15m' }),
  lockFor: duration({ min: '1m', max: '7d', example: '15m' }),
});

/** How long the audit trail keeps its rows (older ones are pruned daily, the chain kept verifiable). */
const Audit = mapping({
  retention: duration({ min: '30d', max: '3650d', example: '400d' }),
});

const severity = z.enum(ALERT_SEVERITIES, { error: (iss) => `expected one of ${ALERT_SEVERITIES.join(', ')}, got ${show(iss.input)}` });
const ruleSetting = { enabled: bool.optional(), severity: severity.optional() };
const percent = z
  .number({ error: (iss) => `expected a percentage between 0 and 100, got ${show(iss.input)}` })
  .refine((n) => n >= 0 && n <= 100, { error: (iss) => `expected a percentage between 0 and 100, got ${show(iss.input)}` });

/**
 * The security alert rules, one key each with `enabled`, `severity` and its thresholds. The
 * three flat keys of earlier versions still work: `maxGlobalAdmins` is
 * `tooManyCriticalHolders.maxHolders`, `activationsPerDay` is `frequentActivations.activations`
 * within a day, `staleEligibleDays` is `unusedEligible.days`.
 */
const Alerts = mapping({
  maxGlobalAdmins: count('a whole number of at least 1').optional(),
  activationsPerDay: count('a whole number of at least 1').optional(),
  staleEligibleDays: count('a whole number of days, at least 1').optional(),
  criticalRoles: list(text('a role name from roles'), 'role names').optional(),
  tooManyCriticalHolders: mapping({ ...ruleSetting, maxHolders: count('a whole number of at least 1').optional(), maxPercent: percent.optional() }).optional(),
  frequentActivations: mapping({
    ...ruleSetting,
    activations: count('a whole number from 2 to 100').refine((n) => n >= 2 && n <= 100, { error: 'expected a whole number from 2 to 100' }).optional(),
    window: duration({ min: '1m', max: '30d', example: '24h' }),
  }).optional(),
  unusedEligible: mapping({ ...ruleSetting, days: count('a whole number of days from 1 to 365').refine((n) => n <= 365, { error: 'expected a whole number of days from 1 to 365' }).optional() }).optional(),
  noMfa: mapping(ruleSetting).optional(),
  permanentActive: mapping(ruleSetting).optional(),
  breakGlass: mapping(ruleSetting).optional(),
  channelFailing: mapping(ruleSetting).optional(),
  outsidePim: mapping(ruleSetting).optional(),
});

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A recurring access review (after Entra ID's accessReviewScheduleDefinition). */
const ReviewDef = mapping({
  name: text('a review name'),
  roles: list(text('a role name from roles'), 'role names').min(1, { error: 'expected at least one role' }),
  scope: scopePath.optional(),
  assignments: z.enum(['eligible', 'active', 'both']).optional(),
  includePermanent: z.boolean().optional(),
  reviewers: z.union([z.enum(['self', 'approvers']), list(principalRef, 'user ids or group:<id>').min(1, { error: 'expected at least one reviewer' })], {
    error: (iss) => `expected self, approvers or a list of user ids and group:<id>, got ${show(iss.input)}`,
  }),
  fallbackReviewers: list(principalRef, 'user ids or group:<id>').optional(),
  duration: duration({ min: '1d', max: '180d', example: '14d' }),
  recurrence: z.enum(REVIEW_RECURRENCES).optional(),
  start: z.unknown().transform((v, ctx): string => {
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'string' ? v.trim() : '';
    if (DAY_RE.test(s) && !Number.isNaN(new Date(`${s}T00:00:00Z`).getTime())) return s;
    ctx.addIssue({ code: 'custom', message: `expected a day like 2030-01-31, got ${show(v)}` });
    return z.NEVER;
  }),
  end: date,
  timeZone: text('an IANA time zone like Europe/Berlin', (s) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: s });
      return true;
    } catch {
      return false;
    }
  }).optional(),
  requireReason: z.boolean().optional(),
  reminders: z.boolean().optional(),
  recommendations: z.boolean().optional(),
  lookback: duration({ min: '1d', max: '365d', example: '30d' }),
  defaultDecision: z.enum(REVIEW_DEFAULT_DECISIONS).optional(),
  autoApply: z.boolean().optional(),
});

const envName = (example: string) =>
  text(`the name of an environment variable like ${example}`, (s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s));

const httpUrl = (example: string) =>
  text(`an http(s) URL like ${example}`, (s) => {
    try {
      return ['http:', 'https:'].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  });

/** Who the bot is in Microsoft Entra ID (entra and azure): client credentials by secret or certificate. */
const microsoftApp = {
  tenantId: text('a tenant id (a GUID) or domain like contoso.onmicrosoft.com', (s) => GUID_RE.test(s) || /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(s)),
  clientId: text('an application (client) id, a GUID', (s) => GUID_RE.test(s)),
  clientSecretEnv: envName('PIM_ENTRA_CLIENT_SECRET').optional(),
  certificate: mapping({
    thumbprint: text('the certificate\'s SHA-1 or SHA-256 thumbprint in hex', (s) => /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(s)),
    privateKeyEnv: envName('PIM_ENTRA_PRIVATE_KEY'),
  }).optional(),
  authority: httpUrl('https://login.microsoftonline.com').optional(),
  timeout: duration({ min: '1s', max: '5m', example: '30s' }),
};

export const ProviderDef = z.discriminatedUnion('type', [
  mapping({ type: z.literal('record') }),
  mapping({
    type: z.literal('webhook'),
    url: httpUrl('https://grants.example.com/pim'),
    secret: z
      .string({ error: 'expected the signing secret as a string' })
      .refine((s) => s.length >= 16, { error: 'expected a signing secret of at least 16 characters' })
      .optional(),
    secretEnv: envName('PIM_WEBHOOK_SECRET').optional(),
    timeout: duration({ min: '1s', max: '5m', example: '10s' }),
  }),
  mapping({
    type: z.literal('postgres'),
    urlEnv: envName('PIM_GRANTS_DATABASE_URL'),
    terminateSessions: bool.optional(),
    timeout: duration({ min: '1s', max: '5m', example: '10s' }),
  }),
  mapping({ type: z.literal('entra'), ...microsoftApp, graphUrl: httpUrl('https://graph.microsoft.com/v1.0').optional() }),
  mapping({ type: z.literal('azure'), ...microsoftApp, armUrl: httpUrl('https://management.azure.com').optional() }),
]);
export type ProviderDef = z.output<typeof ProviderDef>;

/** `provider:` is a provider, or the name of one in `providers:` (read as `{ type: '@name', name }`). */
const NAMED = '@name';
const Provider = z
  .preprocess(
    (v) => (typeof v === 'string' ? { type: NAMED, name: v } : v),
    z.discriminatedUnion('type', [mapping({ type: z.literal(NAMED), name: providerName }), ...ProviderDef.options]),
  )
  .transform((p) => ('name' in p && p.type === NAMED ? p.name : (p as ProviderDef)));

const Reconcile = mapping({
  schedule: cron.optional(),
  missing: z.enum(['reapply', 'alert']).optional(),
  grace: duration({ min: '0s', max: '1h', example: '2m' }),
});

const BootstrapAssignment = mapping({
  principal: principalRef,
  role: text('a role name from roles'),
  scope: scopePath.optional(),
  type: z.enum(['eligible', 'active']),
  for: duration({ min: '1m', max: '3650d', example: '90d' }),
  until: date,
});

/** The whole file. Sections left out take their defaults. */
export const PimConfigInput = mapping({
  directory: mapping({
    users: list(User, 'users').default([]),
    groups: list(GroupDef, 'groups').default([]),
  }).prefault({}),
  admins: list(principalRef, 'user ids or group:<id>').default([]),
  auditors: list(principalRef, 'user ids or group:<id>').default([]),
  channels: z
    .record(z.string(), Channel, { error: (iss) => `expected a mapping of channel names, got ${show(iss.input)}` })
    .default({}),
  roles: list(RoleDef, 'roles').default([]),
  schedules: Schedules.prefault({}),
  alerts: Alerts.prefault({}),
  reviews: list(ReviewDef, 'reviews').default([]),
  delivery: Delivery.prefault({}),
  mfa: Mfa.prefault({}),
  audit: Audit.prefault({}),
  slack: SlackSection.prefault({}),
  provider: Provider.optional(),
  providers: z
    .record(providerName, ProviderDef, { error: (iss) => `expected a mapping of provider names to providers, got ${show(iss.input)}` })
    .default({}),
  reconcile: Reconcile.prefault({}),
  bootstrap: mapping({ assignments: list(BootstrapAssignment, 'assignments').default([]) }).prefault({}),
});
export type PimConfigInput = z.output<typeof PimConfigInput>;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  date: 'a date',
};

/** Messages for issues the schema does not word itself. */
export const fallbackError: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${show(iss.input)}`;
    case 'invalid_value':
      return `expected one of: ${iss.values.map(String).join(', ')}, got ${show(iss.input)}`;
    case 'invalid_union': {
      const { discriminator, options } = iss as { discriminator?: string; options?: unknown[] };
      if (discriminator !== undefined && options !== undefined) {
        const input = iss.input as Record<string, unknown> | undefined;
        // Internal tags (a provider given by name) are not something to write.
        const written = options.map(String).filter((o) => !o.startsWith('@'));
        return `expected one of: ${written.join(', ')}, got ${show(input?.[discriminator])}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
};
