/**
 * The typed shape of every chat command, as zod schemas: the parser builds a candidate and
 * checks it here, so what leaves `parseCommand` is exactly a `Command`.
 */
import { z } from 'zod';

export const COMMAND_NAMES = [
  'help',
  'roles',
  'status',
  'activate',
  'deactivate',
  'extend',
  'requests',
  'cancel',
  'approvals',
  'approve',
  'deny',
  'reviews',
  'assign',
  'remove',
  'review-start',
  'review-stop',
  'review-apply',
  'review-results',
  'review-decide',
  'alerts',
  'alert-show',
  'alert-dismiss',
  'audit',
  'audit-verify',
  'mfa',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

const text = z.string().min(1);
const durationMs = z.number().int().positive();
const date = z.date();

export const UserRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('id'), id: text }),
  z.object({ kind: z.literal('slack'), id: z.string().regex(/^[A-Z0-9]+$/) }),
]);

/** Who reviews an access review: each holder themselves, the role's approvers, or named users. */
export const ReviewersSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('self') }),
  z.object({ kind: z.literal('approvers') }),
  z.object({ kind: z.literal('users'), users: z.array(UserRefSchema).min(1) }),
]);
export type Reviewers = z.infer<typeof ReviewersSchema>;

const bare = <N extends CommandName>(name: N) => z.object({ name: z.literal(name) });

export const CommandSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('help'), topic: z.enum(COMMAND_NAMES).optional() }),
  bare('roles'),
  bare('status'),
  z.object({
    name: z.literal('activate'),
    role: text,
    /** Absent: the core uses the policy maximum (or 1h). */
    durationMs: durationMs.optional(),
    scope: text.optional(),
    reason: text.optional(),
    ticket: text.optional(),
    /** Scheduled start; absent means now. */
    startAt: date.optional(),
    mfaCode: text.optional(),
  }),
  z.object({ name: z.literal('deactivate'), role: text, scope: text.optional() }),
  z.object({
    name: z.literal('extend'),
    role: text,
    durationMs,
    /** Which activation, when the role is active at several scopes. */
    scope: text.optional(),
    reason: text.optional(),
    ticket: text.optional(),
    mfaCode: text.optional(),
  }),
  bare('requests'),
  z.object({ name: z.literal('cancel'), requestId: text }),
  bare('approvals'),
  z.object({ name: z.literal('approve'), requestId: text, reason: text.optional(), mfaCode: text.optional() }),
  z.object({ name: z.literal('deny'), requestId: text, reason: text }),
  bare('reviews'),
  z.object({
    name: z.literal('assign'),
    user: UserRefSchema,
    role: text,
    scope: text.optional(),
    /** `--eligible` (the default) or `--active`. */
    type: z.enum(['eligible', 'active']),
    /** `--for`; with neither this nor `until` the assignment is permanent, if policy allows. */
    durationMs: durationMs.optional(),
    /** `--until`: a date means through the end of that day, UTC. */
    until: date.optional(),
    reason: text.optional(),
  }),
  z.object({ name: z.literal('remove'), user: UserRefSchema, role: text, scope: text.optional(), reason: text.optional() }),
  z.object({
    name: z.literal('review-start'),
    role: text,
    scope: text.optional(),
    reviewers: ReviewersSchema,
    durationDays: z.number().int().positive().optional(),
    /** `--name`: what the review is called in its cards. */
    title: text.optional(),
    /** `--require-reason`: each decision needs a reason (the cards ask for it under each item). */
    requireReason: z.boolean().optional(),
  }),
  z.object({ name: z.literal('review-stop'), reviewId: text }),
  z.object({ name: z.literal('review-apply'), reviewId: text }),
  z.object({ name: z.literal('review-results'), reviewId: text, csv: z.boolean() }),
  /** `review keep|remove <review-id> [<user>]`: a decision with a reason; no user: one's own item. */
  z.object({
    name: z.literal('review-decide'),
    decision: z.enum(['keep', 'remove']),
    reviewId: text,
    user: UserRefSchema.optional(),
    role: text.optional(),
    scope: text.optional(),
    reason: text.optional(),
  }),
  bare('alerts'),
  z.object({ name: z.literal('alert-show'), alertId: text }),
  z.object({ name: z.literal('alert-dismiss'), alertId: text, reason: text }),
  /** `mfa enroll`: set up one's own authenticator (the only `mfa` action in chat). */
  z.object({ name: z.literal('mfa'), action: z.literal('enroll') }),
  z.object({
    name: z.literal('audit'),
    user: UserRefSchema.optional(),
    role: text.optional(),
    sinceMs: durationMs.optional(),
    csv: z.boolean(),
  }),
  /** `audit verify`: walk the audit chain and name the first row missing or altered. */
  bare('audit-verify'),
]);

/** A parsed chat command, discriminated on `name`. */
export type Command = z.infer<typeof CommandSchema>;
