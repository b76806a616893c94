import * as AC from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { ACTIVATE_SUBMIT, APPROVE, CANCEL, DENY, DENY_REASON, DENY_SUBMIT, FIELD, REASON_MAX, REFRESH } from '../../../cards/actions.js';
import {
  escapeTeams,
  escapeTeamsPlain,
  readTeamsActivationSubmission,
  readTeamsDenySubmission,
  teamsActivationForm,
  teamsDenyForm,
  teamsFallbackText,
  teamsNotice,
  teamsReply,
  type AdaptiveCardJson,
} from '../../../cards/teams/index.js';
import { ACTIVATION_FORMS, ctx, DENY_FORMS, LONG_FORM, LONG_NOTICES, LONG_REPLIES, NOTICES, REPLIES, request } from './fixtures.js';

/** Parses a card with the real Adaptive Cards library; returns every parse and validation event. */
function cardProblems(json: unknown): string[] {
  const context = new AC.SerializationContext();
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const problems: string[] = [];
  for (let k = 0; k < context.eventCount; k++) problems.push(`parse: ${context.getEventAt(k).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate ${AC.ValidationEvent[e.event]}: ${e.message}`);
  if (card.version.toString() !== '1.5') problems.push(`version ${card.version.toString()}`);
  return problems;
}

/** What the parser does not check: every binding expanded, the envelope, no empty text. */
function shapeProblems(card: AdaptiveCardJson): string[] {
  const problems: string[] = [];
  const json = JSON.stringify(card);
  if (json.includes('${')) problems.push('an unexpanded ${...} binding');
  if (card.type !== 'AdaptiveCard' || card.version !== '1.5' || card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('envelope');
  if (!Array.isArray(card.body) || !Array.isArray(card.actions)) problems.push('body/actions missing');
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (o.type === 'TextBlock' && (typeof o.text !== 'string' || o.text.trim() === '')) problems.push('empty TextBlock');
    if (o.type === 'Container' && Array.isArray(o.items) && o.items.length === 0) problems.push('empty Container');
    Object.values(o).forEach(walk);
  };
  walk(card.body);
  return problems;
}

const valid = (card: AdaptiveCardJson): string[] => [...cardProblems(card), ...shapeProblems(card)];

type Action = { type: string; verb: string; data: unknown; style?: string; title: string };
const cardActions = (card: AdaptiveCardJson): Action[] => card.actions as Action[];
const allActions = (card: AdaptiveCardJson): Action[] => {
  const out: Action[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (o.type === 'Action.Execute') out.push(o as unknown as Action);
    Object.values(o).forEach(walk);
  };
  walk([card.body, card.actions]);
  return out;
};
const inputs = (card: AdaptiveCardJson): Record<string, unknown>[] => (card.body as Record<string, unknown>[]).filter((e) => String(e.type).startsWith('Input.'));

describe('teamsNotice', () => {
  it.each(NOTICES)('%s matches its snapshot', (_name, notice) => {
    expect(teamsNotice(notice, ctx)).toMatchSnapshot();
  });

  it.each([...NOTICES, ...LONG_NOTICES])('%s is a valid Adaptive Card 1.5', (_name, notice) => {
    expect(valid(teamsNotice(notice, ctx))).toEqual([]);
  });

  it('puts Approve and Deny on a pending approval request, with the request id as data', () => {
    const card = teamsNotice({ kind: 'approval_request', request: request() }, ctx);
    expect(cardActions(card).map((a) => [a.type, a.verb, a.data, a.style])).toEqual([
      ['Action.Execute', APPROVE, { requestId: 'R7K2Q' }, 'positive'],
      ['Action.Execute', DENY, { requestId: 'R7K2Q' }, 'destructive'],
    ]);
  });

  it('shows the outcome and no buttons once decided', () => {
    const card = teamsNotice({ kind: 'approval_request', request: request({ state: 'denied', decidedBy: { id: 'c', name: 'Carol' }, decidedAt: '2025-06-03T12:02:00.000Z' }) }, ctx);
    expect(allActions(card)).toEqual([]);
    expect(JSON.stringify(card.body)).toContain('❌ Denied by **Carol** at 14:02 CEST');
  });

  it('adds a refresh for the approvers while the request is pending', () => {
    const card = teamsNotice({ kind: 'approval_request', request: request() }, ctx, { refreshUserIds: ['aad-1', 'aad-2'] });
    expect(card.refresh).toEqual({ action: { type: 'Action.Execute', verb: REFRESH, data: { requestId: 'R7K2Q' } }, userIds: ['aad-1', 'aad-2'] });
    expect(valid(card)).toEqual([]);
  });

  it('adds no refresh without approver ids, or once decided', () => {
    expect(teamsNotice({ kind: 'approval_request', request: request() }, ctx).refresh).toBeUndefined();
    expect(teamsNotice({ kind: 'approval_request', request: request({ state: 'canceled' }) }, ctx, { refreshUserIds: ['aad-1'] }).refresh).toBeUndefined();
  });

  it('caps refresh.userIds at 60', () => {
    const ids = Array.from({ length: 80 }, (_, k) => `aad-${k}`);
    expect(teamsNotice({ kind: 'approval_request', request: request() }, ctx, { refreshUserIds: ids }).refresh?.userIds).toHaveLength(60);
  });
});

describe('teamsReply', () => {
  it.each(REPLIES)('%s matches its snapshot', (_name, reply) => {
    expect(teamsReply(reply, ctx)).toMatchSnapshot();
  });

  it.each([...REPLIES, ...LONG_REPLIES])('%s is a valid Adaptive Card 1.5', (_name, reply) => {
    expect(valid(teamsReply(reply, ctx))).toEqual([]);
  });

  it('puts Approve and Deny on each request waiting for the reader', () => {
    const card = teamsReply(REPLIES.find(([n]) => n === 'approvals')?.[1] as never, ctx);
    expect(allActions(card).map((a) => `${a.verb} ${JSON.stringify(a.data)}`)).toEqual([
      `${APPROVE} {"requestId":"R7K2Q"}`,
      `${DENY} {"requestId":"R7K2Q"}`,
      `${APPROVE} {"requestId":"R9"}`,
      `${DENY} {"requestId":"R9"}`,
    ]);
  });

  it('offers Cancel on a request waiting for approval', () => {
    const card = teamsReply(REPLIES.find(([n]) => n === 'activation pending_approval')?.[1] as never, ctx);
    expect(cardActions(card).map((a) => [a.verb, a.data])).toEqual([[CANCEL, { requestId: 'R7K2Q' }]]);
  });
});

describe('teamsActivationForm', () => {
  it.each(ACTIVATION_FORMS)('%s matches its snapshot', (_name, form) => {
    expect(teamsActivationForm(form, ctx)).toMatchSnapshot();
  });

  it.each([...ACTIVATION_FORMS, ['long', LONG_FORM] as const])('%s is a valid Adaptive Card 1.5', (_name, form) => {
    expect(valid(teamsActivationForm(form, ctx))).toEqual([]);
  });

  it('has one input per asked field, required as the policy says', () => {
    const card = teamsActivationForm(ACTIVATION_FORMS[1]?.[1] as never, ctx);
    expect(inputs(card).map((i) => [i.type, i.id, i.isRequired])).toEqual([
      ['Input.Text', FIELD.duration, true],
      ['Input.ChoiceSet', FIELD.scope, true],
      ['Input.Text', FIELD.reason, false],
      ['Input.Text', FIELD.code, true],
    ]);
    for (const i of inputs(card)) expect(i.errorMessage).toEqual(expect.any(String));
  });

  it('makes the reason multiline, at most 500 characters, pre-filled', () => {
    const card = teamsActivationForm(ACTIVATION_FORMS[0]?.[1] as never, ctx);
    expect(inputs(card).find((i) => i.id === FIELD.reason)).toMatchObject({ isMultiline: true, maxLength: REASON_MAX, value: 'Rotate keys', isRequired: true });
  });

  it('submits with Action.Execute carrying role and scope', () => {
    const card = teamsActivationForm(ACTIVATION_FORMS[0]?.[1] as never, ctx);
    expect(cardActions(card)).toEqual([
      { type: 'Action.Execute', title: 'Request', verb: ACTIVATE_SUBMIT, data: { role: 'Owner', scope: '/subscriptions/prod', startAt: null }, associatedInputs: 'auto', style: 'positive' },
    ]);
  });

  it('offers the scopes as choices with the scope as value', () => {
    const card = teamsActivationForm(ACTIVATION_FORMS[1]?.[1] as never, ctx);
    expect(inputs(card).find((i) => i.id === FIELD.scope)?.choices).toEqual([
      { title: '/subscriptions/prod', value: '/subscriptions/prod' },
      { title: '/subscriptions/dev', value: '/subscriptions/dev' },
    ]);
  });

  it('reads a submission back from the merged data', () => {
    expect(
      readTeamsActivationSubmission({ role: 'Owner', scope: null, startAt: null, [FIELD.scope]: '/subscriptions/dev', [FIELD.duration]: ' 30m', [FIELD.reason]: 'deploy', [FIELD.code]: '123456' }),
    ).toEqual({ role: 'Owner', scope: '/subscriptions/dev', durationText: '30m', reason: 'deploy', ticket: '', code: '123456', startAt: null });
    expect(readTeamsActivationSubmission({ requestId: 'R1' })).toBeNull();
  });
});

describe('teamsDenyForm', () => {
  it.each(DENY_FORMS)('%s matches its snapshot', (_name, form) => {
    expect(teamsDenyForm(form)).toMatchSnapshot();
  });

  it.each(DENY_FORMS)('%s is a valid Adaptive Card 1.5', (_name, form) => {
    expect(valid(teamsDenyForm(form))).toEqual([]);
  });

  it('asks for a required reason and submits with the request id', () => {
    const card = teamsDenyForm(DENY_FORMS[0]?.[1] as never);
    expect(inputs(card).map((i) => [i.id, i.isRequired, i.maxLength])).toEqual([[DENY_REASON, true, REASON_MAX]]);
    expect(cardActions(card).map((a) => [a.verb, a.data])).toEqual([[DENY_SUBMIT, { requestId: 'R7K2Q' }]]);
    expect(readTeamsDenySubmission({ requestId: 'R7K2Q', [DENY_REASON]: ' no ' })).toEqual({ requestId: 'R7K2Q', reason: 'no' });
  });
});

describe('teamsFallbackText', () => {
  it.each([...NOTICES, ...REPLIES])('%s has a one-line summary', (_name, item) => {
    const text = teamsFallbackText(item, ctx);
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain('\n');
  });

  it('summarises a pending approval request', () => {
    expect(teamsFallbackText({ kind: 'approval_request', request: request() }, ctx)).toBe('Alice: Owner for 1h at /subscriptions/prod (request R7K2Q): waiting for a decision');
  });
});

describe('escapeTeams', () => {
  it('backslash-escapes markdown and keeps a tag from starting after `<`, with plain angle brackets', () => {
    expect(escapeTeams('[x](http://e) *b* _i_ ~s~ `c` \\ <at>Bob</at>')).toBe('\\[x\\](http://e) \\*b\\* \\_i\\_ \\~s\\~ \\`c\\` \\\\ <\u200Bat\\>Bob<\u200B/at\\>');
    expect(escapeTeamsPlain('activate <role>')).toBe('activate <\u200Brole>');
    expect(escapeTeams('activate <role>')).not.toMatch(/[＜＞]/);
  });

  it('keeps typed date functions from being evaluated', () => {
    expect(escapeTeams('{{DATE(2030-01-01T00:00:00Z)}}')).not.toContain('{{');
  });
});
