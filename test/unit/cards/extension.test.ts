/**
 * The extension form (Slack modal, Teams card) and its readers, and what the cards say about an
 * admin's reason and an extension that could not be made.
 */
import * as AC from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { EXTEND_SUBMIT, EXTEND_VIEW, FIELD } from '../../../cards/actions.js';
import { extensionForm, type ExtensionForm } from '../../../cards/model.js';
import { checkBlockKitLimits, readExtensionSubmission, slackExtensionModal, slackNotice, type SlackBlock } from '../../../cards/slack/index.js';
import { readTeamsExtensionSubmission, teamsExtensionForm, teamsNotice, type AdaptiveCardJson } from '../../../cards/teams/index.js';
import { DEFAULT_POLICY, type ExtensionPlan, type Policy } from '../../../src/core/index.js';
import { assignment, ctx, request } from './fixtures.js';

const MIN = 60_000;

function plan(policy: Partial<Policy> = {}, roomMs = 90 * MIN, missing: ExtensionPlan['missing'] = ['reason']): ExtensionPlan {
  const p: Policy = { ...DEFAULT_POLICY, maxActivationMs: 2 * 60 * MIN, ...policy };
  const startsAt = new Date(ctx.now.getTime() - 10 * MIN);
  return {
    role: { name: 'Owner', scopes: [{ path: '/subscriptions/prod', policy: p }] },
    scope: '/subscriptions/prod',
    policy: p,
    activation: {
      id: 'a1',
      principalId: 'alice@example.com',
      role: 'Owner',
      scope: '/subscriptions/prod',
      type: 'active',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * MIN),
      requestId: 'R-1',
      createdBy: 'alice@example.com',
      createdAt: startsAt,
      endedAt: null,
      endReason: null,
      warnedAt: null,
      warned14dAt: null,
      warned1dAt: null,
    },
    roomMs,
    missing,
  };
}

const strict: Partial<Policy> = { requireJustification: true, requireTicket: true, ticketPattern: 'INC-[0-9]+', requireMfa: true };

const inputs = (blocks: SlackBlock[]) => Object.fromEntries(blocks.filter((b) => b.type === 'input').map((b) => [String(b.block_id), b]));

describe('extensionForm', () => {
  it('asks for what the policy asks for, with 30 minutes pre-filled', () => {
    const form = extensionForm(plan(strict));
    expect(form).toMatchObject({ role: 'Owner', scope: '/subscriptions/prod', durationText: '30m', roomMs: 90 * MIN, ticketPattern: 'INC-[0-9]+', approvalRequired: false });
    expect(form.fields).toEqual({ reason: 'required', ticket: 'required', code: 'required' });
  });

  it('offers no more than is left, in whole minutes, and keeps what was typed', () => {
    expect(extensionForm(plan({}, 12 * MIN + 30_000)).durationText).toBe('12m');
    expect(extensionForm(plan(), {}).fields).toEqual({ reason: 'required', ticket: 'hidden', code: 'hidden' });
    expect(extensionForm(plan(), { durationMs: 45 * MIN, reason: 'still fixing', ticket: 'INC-9' })).toMatchObject({ durationText: '45m', reason: 'still fixing', ticket: 'INC-9', fields: { ticket: 'optional' } });
  });
});

describe('slackExtensionModal', () => {
  it('is a modal of its own callback, with the duration, reason, ticket and MFA code inputs and how much is left', () => {
    const view = slackExtensionModal(extensionForm(plan({ ...strict, approval: { required: true, approvers: [], timeoutMs: 60 * MIN } })), ctx);
    expect(view.callback_id).toBe(EXTEND_VIEW);
    expect(view.submit?.text).toBe('Request');
    expect(checkBlockKitLimits(view)).toEqual([]);
    const byId = inputs(view.blocks);
    expect(Object.keys(byId)).toEqual([FIELD.duration, FIELD.reason, FIELD.ticket, FIELD.code]);
    expect((byId[FIELD.duration]?.element as { initial_value?: string }).initial_value).toBe('30m');
    expect(byId[FIELD.code]?.optional).toBe(false);
    expect(JSON.stringify(view.blocks)).toContain('At most 1h30m more: Owner runs at most 2h in all, counted from when it started.');
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ role: 'Owner', scope: '/subscriptions/prod' });
  });

  it('shows a refusal on its field', () => {
    const form: ExtensionForm = { ...extensionForm(plan()), errors: { duration: 'at most 1h30m more' } };
    expect(JSON.stringify(slackExtensionModal(form, ctx).blocks)).toContain('⚠️ at most 1h30m more');
  });

  it('is read back from a submission', () => {
    const view = slackExtensionModal(extensionForm(plan(strict)), ctx);
    const values = { [FIELD.duration]: ' 20m ', [FIELD.reason]: 'still fixing', [FIELD.ticket]: 'INC-2', [FIELD.code]: '123456' };
    const state = { values: Object.fromEntries(Object.entries(values).map(([id, value]) => [id, { [id]: { value } }])) };
    expect(readExtensionSubmission({ private_metadata: view.private_metadata, state })).toEqual({
      role: 'Owner',
      scope: '/subscriptions/prod',
      durationText: '20m',
      reason: 'still fixing',
      ticket: 'INC-2',
      code: '123456',
    });
    expect(readExtensionSubmission({ private_metadata: 'not json' })).toBeNull();
  });
});

function cardProblems(json: unknown): string[] {
  const context = new AC.SerializationContext();
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const problems: string[] = [];
  for (let k = 0; k < context.eventCount; k++) problems.push(`parse: ${context.getEventAt(k).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate ${AC.ValidationEvent[e.event]}: ${e.message}`);
  if (JSON.stringify(json).includes('${')) problems.push('an unexpanded binding');
  return problems;
}

const ids = (card: AdaptiveCardJson): string[] => {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') out.push(o.id);
    Object.values(o).forEach(walk);
  };
  walk(card.body);
  return out;
};

describe('teamsExtensionForm', () => {
  it('is a valid card whose submit is EXTEND_SUBMIT naming the activation, with no scope input', () => {
    const card = teamsExtensionForm(extensionForm(plan(strict)), ctx);
    expect(cardProblems(card)).toEqual([]);
    expect(card.actions).toEqual([expect.objectContaining({ type: 'Action.Execute', verb: EXTEND_SUBMIT, data: { role: 'Owner', scope: '/subscriptions/prod' }, title: 'Extend' })]);
    expect(ids(card)).toEqual([FIELD.duration, FIELD.reason, FIELD.ticket, FIELD.code]);
    expect(JSON.stringify(card)).toContain('At most 1h30m more');
  });

  it('hides what the policy does not ask for', () => {
    expect(ids(teamsExtensionForm(extensionForm(plan()), ctx))).toEqual([FIELD.duration, FIELD.reason]);
  });

  it('is read back from its Action.Execute data', () => {
    const data = { role: 'Owner', scope: '/subscriptions/prod', [FIELD.duration]: '20m', [FIELD.reason]: ' why ', [FIELD.code]: '123456' };
    expect(readTeamsExtensionSubmission(data)).toEqual({ role: 'Owner', scope: '/subscriptions/prod', durationText: '20m', reason: 'why', ticket: '', code: '123456' });
    expect(readTeamsExtensionSubmission({ requestId: 'R-1' })).toBeNull();
  });
});

describe('what the cards say', () => {
  const text = (n: Parameters<typeof slackNotice>[0]) => JSON.stringify(slackNotice(n, ctx).blocks);

  it('an admin’s reason for an assignment, to the user', () => {
    const n = { kind: 'assignment_changed' as const, assignment: assignment({ type: 'eligible' }), change: 'assigned' as const, by: { id: 'erin@example.com', name: 'Erin' }, reason: 'joins the on-call rota' };
    expect(text(n)).toContain('*Reason*\\njoins the on-call rota');
    expect(cardProblems(teamsNotice(n, ctx))).toEqual([]);
    expect(JSON.stringify(teamsNotice(n, ctx))).toContain('joins the on-call rota');
  });

  it('who removed a running activation, and why', () => {
    const n = { kind: 'activation_ended' as const, assignment: assignment(), reason: 'revoked' as const, removedBy: { id: 'erin@example.com', name: 'Erin' }, removalReason: 'left the team' };
    expect(text(n)).toContain('was revoked by *Erin*.');
    expect(text(n)).toContain('left the team');
  });

  it('an approved extension that could not be made, on the card and to the requester', () => {
    const r = request({ kind: 'extend', state: 'failed', decidedBy: { id: 'carol@example.com', name: 'Carol' }, failureReason: 'Owner can be active for at most 2h in all.' });
    expect(text({ kind: 'approval_request', request: r })).toContain('but it could not be made');
    expect(text({ kind: 'approval_request', request: r })).toContain('at most 2h in all');
    const told = text({ kind: 'request_decided', request: r });
    expect(told).toContain('*Carol* approved your request');
    expect(told).toContain('but it could not be made.');
    expect(told).toContain('at most 2h in all');
  });
});
