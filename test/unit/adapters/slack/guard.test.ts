/** The Slack request guard's pure parts (adapters/slack/guard.ts), and ContentGuard for Socket Mode. */
import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ContentGuard, judgeContent, parseSlackBody, signatureProblem } from '../../../../adapters/slack/guard.js';
import { BadInput } from '../../../../src/http-input.js';
import { createLogger } from '../../../../src/logger.js';

const SECRET = 'test-signing-secret';
const render = (message: string) => ({ response_type: 'ephemeral', text: message });
const signed = (body: string, ts: number) => ({
  'x-slack-request-timestamp': String(ts),
  'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
});

describe('signatureProblem', () => {
  const now = 1_800_000_000_000;
  const ts = now / 1000;

  it('accepts a correct signature within 5 minutes either way', () => {
    for (const skew of [-300, 0, 300]) expect(signatureProblem(signed('a=1', ts + skew), Buffer.from('a=1'), SECRET, now)).toBeNull();
  });

  it('refuses a timestamp more than 5 minutes off, in the future as in the past', () => {
    expect(signatureProblem(signed('a=1', ts + 301), Buffer.from('a=1'), SECRET, now)).toBe('x-slack-request-timestamp is 301 s in the future (at most 300 s either way)');
    expect(signatureProblem(signed('a=1', ts - 301), Buffer.from('a=1'), SECRET, now)).toBe('x-slack-request-timestamp is 301 s in the past (at most 300 s either way)');
  });

  it('refuses a missing or malformed timestamp or signature, and a changed body', () => {
    expect(signatureProblem({}, Buffer.from(''), SECRET, now)).toMatch(/timestamp/);
    expect(signatureProblem({ ...signed('a=1', ts), 'x-slack-request-timestamp': '1e9' }, Buffer.from('a=1'), SECRET, now)).toMatch(/timestamp/);
    expect(signatureProblem({ ...signed('a=1', ts), 'x-slack-signature': 'v1=00' }, Buffer.from('a=1'), SECRET, now)).toMatch(/signature/);
    expect(signatureProblem({ ...signed('a=1', ts), 'x-slack-signature': `${signed('a=1', ts)['x-slack-signature']}00` }, Buffer.from('a=1'), SECRET, now)).toMatch(/signature/);
    expect(signatureProblem(signed('a=1', ts), Buffer.from('a=2'), SECRET, now)).toBe('the signature does not match');
  });
});

describe('parseSlackBody', () => {
  it('reads form fields, a form payload and JSON as Bolt does', () => {
    expect(parseSlackBody('application/x-www-form-urlencoded', 'command=%2Fpim&text=roles')).toEqual({ command: '/pim', text: 'roles' });
    expect(parseSlackBody('application/x-www-form-urlencoded', `payload=${encodeURIComponent('{"type":"block_actions"}')}`)).toEqual({ type: 'block_actions' });
    expect(parseSlackBody('application/json', '{"type":"event_callback"}')).toEqual({ type: 'event_callback' });
  });

  it.each([
    ['application/json', 'null'],
    ['application/json', '[]'],
    ['application/x-www-form-urlencoded', 'payload=null'],
    ['application/x-www-form-urlencoded', 'payload=%7B'],
    ['application/json', `${'['.repeat(65)}${']'.repeat(65)}`],
  ])('refuses %s %s with a 400', (type, body) => {
    expect(() => parseSlackBody(type, body)).toThrow(BadInput);
  });
});

describe('judgeContent', () => {
  it('passes a body without forbidden characters', () => {
    expect(judgeContent({ command: '/pim', text: 'activate Owner --reason "tab\there"' }, render)).toEqual({ kind: 'pass' });
  });

  it('answers a slash command whose text carries one with the parser’s sentence', () => {
    const v = judgeContent({ command: '/pim', text: 'cancel R-\u0000' }, render);
    expect(v).toMatchObject({ kind: 'answer', response: { response_type: 'ephemeral', text: expect.stringContaining('U+0000 (NUL), at character 10') } });
  });

  it('answers a form with the error under each field that carries one', () => {
    const body = { type: 'view_submission', view: { state: { values: { pim_reason: { pim_reason: { value: 'a\u0007' } }, pim_ticket: { pim_ticket: { value: 'INC-1' } } } } } };
    expect(judgeContent(body, render)).toMatchObject({ kind: 'answer', response: { response_action: 'errors', errors: { pim_reason: expect.stringContaining('U+0007 (BEL)') } } });
  });

  it('drops an event, and refuses anything else', () => {
    expect(judgeContent({ type: 'event_callback', event: { text: '\u0000' } }, render).kind).toBe('drop');
    expect(judgeContent({ type: 'block_actions', actions: [{ value: '{"requestId":"\u0000"}' }] }, render).kind).toBe('refuse');
    expect(judgeContent({ command: '/pim', text: 'ok', user_name: 'x\u0000' }, render).kind).toBe('refuse');
  });
});

describe('ContentGuard (Socket Mode)', () => {
  const logger = createLogger('silent');

  it('hands on what passes', async () => {
    const next = { processEvent: vi.fn(async () => {}) };
    const event = { body: { command: '/pim', text: 'roles' }, ack: vi.fn(async () => {}) };
    await new ContentGuard(next, { logger, renderError: render }).processEvent(event as any);
    expect(next.processEvent).toHaveBeenCalledWith(event);
  });

  it('acks what does not pass, with the answer when there is one, and goes no further', async () => {
    const next = { processEvent: vi.fn(async () => {}) };
    const typed = { body: { command: '/pim', text: 'x\u0000' }, ack: vi.fn(async () => {}) };
    const forged = { body: { type: 'block_actions', trigger_id: '1\u0000' }, ack: vi.fn(async () => {}) };
    const guard = new ContentGuard(next, { logger, renderError: render });
    await guard.processEvent(typed as any);
    await guard.processEvent(forged as any);
    expect(next.processEvent).not.toHaveBeenCalled();
    expect(typed.ack).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringContaining('U+0000') }));
    expect(forged.ack).toHaveBeenCalledWith(undefined);
  });
});
