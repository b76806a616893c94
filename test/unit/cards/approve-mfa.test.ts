/**
 * The approver step-up's cards: the Teams approval card's code input (only while pending, only
 * when asked for), the Slack approve modal and its reader, and the lockout notice on both.
 */
import * as AC from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { APPROVE, APPROVE_CODE, APPROVE_VIEW } from '../../../cards/actions.js';
import { checkBlockKitLimits, readApproveSubmission, slackApproveModal } from '../../../cards/slack/index.js';
import { teamsNotice } from '../../../cards/teams/index.js';
import { ctx, request } from './fixtures.js';

function cardProblems(json: unknown): string[] {
  const context = new AC.SerializationContext();
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const problems: string[] = [];
  for (let k = 0; k < context.eventCount; k++) problems.push(`parse: ${context.getEventAt(k).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate ${AC.ValidationEvent[e.event]}: ${e.message}`);
  return problems;
}

const inputsOf = (card: { body: unknown[] }) => card.body.filter((b) => (b as { type?: string }).type === 'Input.Text') as { id: string; label: string }[];

describe('Teams approval card with approval.requireMfa', () => {
  it('carries a code input next to Approve while pending, and is a valid card', () => {
    const card = teamsNotice({ kind: 'approval_request', request: request() }, ctx, { approveCode: true });
    expect(inputsOf(card)).toEqual([expect.objectContaining({ id: APPROVE_CODE, label: 'MFA code (needed to approve)' })]);
    expect((card.actions as { verb?: string }[]).some((a) => a.verb === APPROVE)).toBe(true);
    expect(cardProblems(card)).toEqual([]);
  });

  it('has no input when the policy does not ask for one, nor once decided', () => {
    expect(inputsOf(teamsNotice({ kind: 'approval_request', request: request() }, ctx))).toEqual([]);
    const decided = request({ state: 'active', decidedBy: { id: 'carol@example.com', name: 'Carol' }, decidedAt: ctx.now.toISOString() });
    expect(inputsOf(teamsNotice({ kind: 'approval_request', request: decided }, ctx, { approveCode: true }))).toEqual([]);
  });
});

describe('Slack approve modal', () => {
  const form = { requestId: 'R-7K2Q', summary: 'Alice: Owner at /subscriptions/prod for 1h', error: null };

  it('asks for the code in a required input, within Block Kit limits', () => {
    const view = slackApproveModal(form);
    expect(view.callback_id).toBe(APPROVE_VIEW);
    expect(view.blocks.find((b) => (b as { block_id?: string }).block_id === APPROVE_CODE)).toMatchObject({ type: 'input', optional: false });
    expect(checkBlockKitLimits(view)).toEqual([]);
  });

  it('reads the request id from its metadata and the code from its state; not a view of someone else', () => {
    const view = slackApproveModal(form);
    expect(readApproveSubmission({ private_metadata: view.private_metadata, state: { values: { [APPROVE_CODE]: { [APPROVE_CODE]: { value: ' 123 456 ' } } } } })).toEqual({ requestId: 'R-7K2Q', code: '123 456' });
    expect(readApproveSubmission({ private_metadata: view.private_metadata, state: { values: {} } })).toEqual({ requestId: 'R-7K2Q', code: '' });
    expect(readApproveSubmission({ private_metadata: 'not json' })).toBeNull();
  });
});
