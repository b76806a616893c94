import { describe, expect, it } from 'vitest';
import { ACTIVATE_OPEN, ACTIVATE_VIEW, APPROVE, CANCEL, DEACTIVATE, DENY, DENY_REASON, DENY_VIEW, EXTEND, FIELD, parseHint, REASON_MAX } from '../../../cards/actions.js';
import {
  checkBlockKitLimits,
  escapeSlack,
  readActivationSubmission,
  readDenySubmission,
  slackActivationModal,
  slackDenyModal,
  slackHome,
  slackNotice,
  slackReply,
  slackViewErrors,
  type SlackBlock,
} from '../../../cards/slack/index.js';
import {
  ACTIVATION_FORMS,
  ALL_NOTICE_KINDS,
  ALL_REPLY_KINDS,
  ctx,
  DENY_FORMS,
  EMPTY_HOME,
  HOME,
  LONG_FORM,
  LONG_HOME,
  LONG_NOTICES,
  LONG_REPLIES,
  NOTICES,
  REPLIES,
  digest,
  request,
} from './fixtures.js';
import type { Notice } from '../../../cards/model.js';

const buttonsOf = (blocks: SlackBlock[]): Record<string, unknown>[] =>
  blocks.flatMap((b) => [...(b.type === 'actions' ? (b.elements as Record<string, unknown>[]) : []), ...(b.accessory ? [b.accessory as Record<string, unknown>] : [])]);

const inputIds = (blocks: SlackBlock[]): string[] => blocks.filter((b) => b.type === 'input').map((b) => String(b.block_id));

describe('fixtures', () => {
  it('cover every notice kind and every reply kind', () => {
    expect(new Set(NOTICES.map(([, n]) => n.kind))).toEqual(new Set(Object.keys(ALL_NOTICE_KINDS)));
    expect(new Set(REPLIES.map(([, r]) => r.kind))).toEqual(new Set(Object.keys(ALL_REPLY_KINDS)));
  });
});

describe('slackNotice', () => {
  it.each(NOTICES)('%s matches its snapshot', (_name, notice) => {
    expect(slackNotice(notice, ctx)).toMatchSnapshot();
  });

  it.each([...NOTICES, ...LONG_NOTICES])('%s keeps within Block Kit limits', (_name, notice) => {
    expect(checkBlockKitLimits(slackNotice(notice, ctx))).toEqual([]);
  });

  it('shows a pending approval request with Approve (primary) and Deny (danger) carrying the request id', () => {
    const msg = slackNotice({ kind: 'approval_request', request: request() }, ctx);
    const buttons = buttonsOf(msg.blocks);
    expect(buttons.map((b) => [b.action_id, b.style])).toEqual([
      [APPROVE, 'primary'],
      [DENY, 'danger'],
    ]);
    expect(buttons.map((b) => parseHint(b.value))).toEqual([{ requestId: 'R7K2Q' }, { requestId: 'R7K2Q' }]);
    const json = JSON.stringify(msg.blocks);
    for (const part of ['Alice', 'Owner', '/subscriptions/prod', '1h', 'Rotate the storage keys after INC-4211', 'INC-4211', 'R7K2Q', 'Respond by']) expect(json).toContain(part);
  });

  it('shows the outcome and no buttons once a request is decided', () => {
    const decided = slackNotice({ kind: 'approval_request', request: request({ state: 'active', decidedBy: { id: 'c', name: 'Carol' }, decidedAt: '2025-06-03T12:02:00.000Z' }) }, ctx);
    expect(buttonsOf(decided.blocks)).toEqual([]);
    expect(JSON.stringify(decided.blocks)).toContain('Approved by *Carol* at 14:02 CEST');
    expect(decided.text).toContain('approved by Carol');
  });

  it.each(['timed_out', 'canceled', 'denied', 'failed'] as const)('shows a %s request without buttons', (state) => {
    const msg = slackNotice({ kind: 'approval_request', request: request({ state, decidedBy: state === 'denied' ? { id: 'c', name: 'Carol' } : null }) }, ctx);
    expect(buttonsOf(msg.blocks)).toEqual([]);
  });

  it('offers Extend on an expiry warning and Cancel on a pending request', () => {
    const warn = slackNotice(NOTICES.find(([n]) => n === 'expiry_warning active')?.[1] as never, ctx);
    expect(buttonsOf(warn.blocks).map((b) => [b.action_id, parseHint(b.value)])).toEqual([[EXTEND, { role: 'Owner', scope: '/subscriptions/prod' }]]);
    const pending = slackNotice({ kind: 'request_pending', request: request() }, ctx);
    expect(buttonsOf(pending.blocks).map((b) => b.action_id)).toEqual([CANCEL]);
  });

  it('says which expiry warning it is; an activation warning reads as before', () => {
    const warn = (name: string) => slackNotice(NOTICES.find(([n]) => n === name)?.[1] as never, ctx);
    const active = NOTICES.find(([n]) => n === 'expiry_warning active')?.[1] as Extract<Notice, { kind: 'expiry_warning' }>;
    expect(slackNotice({ ...active, warning: 'activation' }, ctx)).toEqual(slackNotice(active, ctx));
    expect(warn('expiry_warning eligible 14d').text).toMatch(/^14-day notice: Your eligibility for Owner/);
    expect(warn('expiry_warning eligible 1d').text).toMatch(/^Last notice: Your eligibility for Owner/);
    expect(buttonsOf(warn('expiry_warning eligible 14d').blocks).map((b) => b.action_id)).toEqual([EXTEND]);
  });

  it('offers no Extend on an assignment an admin made active (only an admin can renew it)', () => {
    for (const name of ['expiry_warning assigned active 14d', 'expiry_warning assigned active activation warning']) {
      const msg = slackNotice(NOTICES.find(([n]) => n === name)?.[1] as never, ctx);
      expect(buttonsOf(msg.blocks)).toEqual([]);
      expect(JSON.stringify(msg.blocks)).toContain('Ask a PIM admin to renew it');
    }
  });

  it('shows the digest counts, and says reviews and alerts are not tracked instead of inventing a number', () => {
    const json = JSON.stringify(slackNotice({ kind: 'digest', digest: digest() }, ctx).blocks);
    for (const part of ['*Activations this week*\\n9', '*Contributor* — 5', '*Alice* — 6 activations', '*Pending requests*\\n2', '*Pending reviews*\\nnot tracked yet', '*Open alerts*\\nnot tracked yet']) {
      expect(json).toContain(part);
    }
    const counted = JSON.stringify(slackNotice({ kind: 'digest', digest: digest({ pendingReviews: 4, openAlerts: 0 }) }, ctx).blocks);
    expect(counted).toContain('*Pending reviews*\\n4');
    expect(counted).toContain('*Open alerts*\\n0');
    expect(counted).not.toContain('not tracked');
  });

  it('keeps a long digest to its list caps and says how many more there are', () => {
    const msg = slackNotice(LONG_NOTICES.find(([n]) => n === 'digest long')?.[1] as never, ctx);
    const json = JSON.stringify(msg.blocks);
    expect(json).toContain('…and 50 more roles.');
    expect(json).toContain('…and 690 more assignments.');
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
  });

  it('gives every message a one-line text fallback', () => {
    for (const [, n] of [...NOTICES, ...LONG_NOTICES]) {
      const { text } = slackNotice(n, ctx);
      expect(text.length).toBeGreaterThan(0);
      expect(text.length).toBeLessThanOrEqual(300);
      expect(text).not.toContain('\n');
    }
  });

  it('marks every mrkdwn object verbatim so Slack links nothing on its own', () => {
    const json = JSON.stringify([...NOTICES.map(([, n]) => slackNotice(n, ctx)), ...REPLIES.map(([, r]) => slackReply(r, ctx))]);
    const mrkdwn = json.match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"(,"verbatim":true)?/g) ?? [];
    expect(mrkdwn.length).toBeGreaterThan(0);
    expect(mrkdwn.filter((m) => !m.endsWith('"verbatim":true'))).toEqual([]);
  });
});

describe('slackReply', () => {
  it.each(REPLIES)('%s matches its snapshot', (_name, reply) => {
    expect(slackReply(reply, ctx)).toMatchSnapshot();
  });

  it.each([...REPLIES, ...LONG_REPLIES])('%s keeps within Block Kit limits', (_name, reply) => {
    expect(checkBlockKitLimits(slackReply(reply, ctx))).toEqual([]);
  });

  it('lists 60 roles within 50 blocks and says how many more there are', () => {
    const msg = slackReply(LONG_REPLIES.find(([n]) => n === 'roles 60')?.[1] as never, ctx);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(msg.blocks)).toContain('…and 20 more roles.');
  });

  it('gives each role the button that fits its state', () => {
    const msg = slackReply(REPLIES.find(([n]) => n === 'roles')?.[1] as never, ctx);
    expect(buttonsOf(msg.blocks).map((b) => [b.action_id, parseHint(b.value)])).toEqual([
      [ACTIVATE_OPEN, { role: 'Owner', scope: '/subscriptions/prod' }],
      [DEACTIVATE, { role: 'Contributor', scope: '/subscriptions/dev' }],
      [CANCEL, { requestId: 'R2' }],
    ]);
  });

  it('puts Approve and Deny on each request waiting for the reader', () => {
    const msg = slackReply(REPLIES.find(([n]) => n === 'approvals')?.[1] as never, ctx);
    expect(buttonsOf(msg.blocks).map((b) => `${String(b.action_id)} ${String(b.value)}`)).toEqual([
      `${APPROVE} {"requestId":"R7K2Q"}`,
      `${DENY} {"requestId":"R7K2Q"}`,
      `${APPROVE} {"requestId":"R9"}`,
      `${DENY} {"requestId":"R9"}`,
    ]);
  });

  it('shows times in the context zone with the time left', () => {
    const msg = slackReply(REPLIES.find(([n]) => n === 'activation active')?.[1] as never, ctx);
    expect(JSON.stringify(msg.blocks)).toContain('is active until 15:00 CEST (in 1h).');
  });
});

describe('slackActivationModal', () => {
  it.each(ACTIVATION_FORMS)('%s matches its snapshot', (_name, form) => {
    expect(slackActivationModal(form, ctx)).toMatchSnapshot();
  });

  it.each([...ACTIVATION_FORMS, ['long', LONG_FORM] as const])('%s keeps within Block Kit limits', (_name, form) => {
    expect(checkBlockKitLimits(slackActivationModal(form, ctx))).toEqual([]);
  });

  it('is a modal with the shared callback id and one input per asked field', () => {
    const [, fixed] = ACTIVATION_FORMS[0] as [string, never];
    const view = slackActivationModal(fixed, ctx);
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe(ACTIVATE_VIEW);
    expect(inputIds(view.blocks)).toEqual([FIELD.duration, FIELD.reason, FIELD.ticket]);
    const [, choose] = ACTIVATION_FORMS[1] as [string, never];
    expect(inputIds(slackActivationModal(choose, ctx).blocks)).toEqual([FIELD.duration, FIELD.scope, FIELD.reason, FIELD.code]);
  });

  it('makes the reason a multiline input of at most 500 characters, pre-filled', () => {
    const view = slackActivationModal(ACTIVATION_FORMS[0]?.[1] as never, ctx);
    const reason = view.blocks.find((b) => b.block_id === FIELD.reason) as SlackBlock & { element: Record<string, unknown>; optional: boolean };
    expect(reason.element).toMatchObject({ type: 'plain_text_input', action_id: FIELD.reason, multiline: true, max_length: REASON_MAX, initial_value: 'Rotate keys' });
    expect(reason.optional).toBe(false);
  });

  it('carries role, scope and pre-fill in private_metadata', () => {
    const view = slackActivationModal(ACTIVATION_FORMS[0]?.[1] as never, ctx);
    expect(JSON.parse(view.private_metadata as string)).toEqual({
      role: 'Owner',
      scope: '/subscriptions/prod',
      scopes: ['/subscriptions/prod'],
      startAt: null,
      prefill: { duration: '1h', reason: 'Rotate keys', ticket: '' },
    });
  });

  it('shows field errors next to their inputs', () => {
    const view = slackActivationModal(ACTIVATION_FORMS[2]?.[1] as never, ctx);
    const k = view.blocks.findIndex((b) => b.block_id === FIELD.ticket);
    expect(JSON.stringify(view.blocks[k + 1])).toContain('The ticket must match ^INC-[0-9]+$.');
  });

  it('reads a submission back, mapping the chosen scope option to its scope', () => {
    const view = slackActivationModal(ACTIVATION_FORMS[1]?.[1] as never, ctx);
    const submitted = readActivationSubmission({
      private_metadata: view.private_metadata,
      state: {
        values: {
          [FIELD.duration]: { [FIELD.duration]: { value: ' 30m ' } },
          [FIELD.scope]: { [FIELD.scope]: { selected_option: { value: '1' } } },
          [FIELD.reason]: { [FIELD.reason]: { value: 'deploy' } },
          [FIELD.code]: { [FIELD.code]: { value: '123456' } },
        },
      },
    });
    expect(submitted).toEqual({ role: 'Owner', scope: '/subscriptions/dev', scopeIndex: 1, durationText: '30m', reason: 'deploy', ticket: '', code: '123456', startAt: null });
  });

  it('refuses a submission whose metadata is not its own', () => {
    expect(readActivationSubmission({ private_metadata: 'nope' })).toBeNull();
    expect(readActivationSubmission({ private_metadata: '{"x":1}' })).toBeNull();
  });

  it('keeps the metadata within 3000 characters by dropping what the inputs already hold', () => {
    const view = slackActivationModal(LONG_FORM, ctx);
    expect((view.private_metadata as string).length).toBeLessThanOrEqual(3000);
    expect(JSON.parse(view.private_metadata as string).role).toBe(LONG_FORM.role);
  });

  it('maps field errors to block ids for response_action errors', () => {
    expect(slackViewErrors({ ticket: 'Must match <INC-n>', form: 'ignored' })).toEqual({ [FIELD.ticket]: 'Must match &lt;INC-n&gt;' });
  });
});

describe('slackDenyModal', () => {
  it.each(DENY_FORMS)('%s matches its snapshot', (_name, form) => {
    expect(slackDenyModal(form)).toMatchSnapshot();
  });

  it.each(DENY_FORMS)('%s keeps within Block Kit limits', (_name, form) => {
    expect(checkBlockKitLimits(slackDenyModal(form))).toEqual([]);
  });

  it('asks for a required reason and reads it back with the request id', () => {
    const view = slackDenyModal(DENY_FORMS[0]?.[1] as never);
    expect(view.callback_id).toBe(DENY_VIEW);
    expect(inputIds(view.blocks)).toEqual([DENY_REASON]);
    expect(readDenySubmission({ private_metadata: view.private_metadata, state: { values: { [DENY_REASON]: { [DENY_REASON]: { value: ' no ' } } } } })).toEqual({ requestId: 'R7K2Q', reason: 'no' });
  });
});

describe('slackHome', () => {
  it('matches its snapshot', () => {
    expect(slackHome(HOME, ctx)).toMatchSnapshot();
  });

  it('matches its snapshot when empty', () => {
    expect(slackHome(EMPTY_HOME, ctx)).toMatchSnapshot();
  });

  it('shows admins and auditors how many security alerts are open, and others nothing about them', () => {
    const shown = (home: typeof HOME) => JSON.stringify(slackHome(home, ctx).blocks);
    expect(shown({ ...HOME, isAdmin: true, openAlerts: 3 })).toContain('3 open security alerts');
    expect(shown({ ...HOME, isAdmin: true, openAlerts: 0 })).toContain('No open security alerts');
    expect(shown(HOME)).not.toContain('Security alerts');
  });

  it.each([
    ['home', HOME],
    ['empty', EMPTY_HOME],
    ['long', LONG_HOME],
    ['admin with alerts', { ...HOME, isAdmin: true, openAlerts: 3 }],
  ] as const)('%s keeps within Block Kit limits', (_name, home) => {
    const view = slackHome(home, ctx);
    expect(view.type).toBe('home');
    expect(checkBlockKitLimits(view)).toEqual([]);
  });
});

describe('escapeSlack', () => {
  it('escapes &, < and >', () => {
    expect(escapeSlack('<!channel> & <@U1> <http://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt;');
  });

  it('escapes an already escaped entity again, so it shows as typed', () => {
    expect(escapeSlack('&lt;')).toBe('&amp;lt;');
  });
});

describe('checkBlockKitLimits', () => {
  const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

  it('reports too many blocks in a message but allows 100 in a view', () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(checkBlockKitLimits({ text: 't', blocks })).toEqual(['blocks: 51 blocks, more than 50']);
    expect(checkBlockKitLimits({ type: 'home', blocks })).toEqual([]);
  });

  it('reports long section text, headers, buttons and too many fields', () => {
    const problems = checkBlockKitLimits({
      text: 't',
      blocks: [
        section('a'.repeat(3001)),
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a'.repeat(256), value: 'v'.repeat(2001) }] },
      ],
    });
    expect(problems).toEqual([
      'blocks[0].text.text: 3001 characters, more than 3000',
      'blocks[1].text.text: 151 characters, more than 150',
      'blocks[2].fields: 11 fields, more than 10',
      'blocks[3].elements[0].action_id: 256 characters, more than 255',
      'blocks[3].elements[0].text.text: 76 characters, more than 75',
      'blocks[3].elements[0].value: 2001 characters, more than 2000',
    ]);
  });

  it('reports mrkdwn where only plain_text is allowed, empty text and a missing fallback', () => {
    expect(checkBlockKitLimits({ blocks: [{ type: 'header', text: { type: 'mrkdwn', text: '' } }] })).toEqual([
      'text: missing fallback text',
      'blocks[0].text.type: must be plain_text, is mrkdwn',
      'blocks[0].text.text: empty',
    ]);
  });

  it('reports modal title, metadata and select option limits', () => {
    const problems = checkBlockKitLimits({
      type: 'modal',
      callback_id: 'c',
      title: { type: 'plain_text', text: 't'.repeat(25) },
      submit: { type: 'plain_text', text: 'ok' },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'l' },
          element: { type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: 'o' }, value: 'v'.repeat(151) }] },
        },
      ],
    });
    expect(problems).toEqual([
      'title.text: 25 characters, more than 24',
      'private_metadata: 3001 characters, more than 3000',
      'blocks[0].element.options[0].value: 151 characters, more than 150',
    ]);
  });
});
