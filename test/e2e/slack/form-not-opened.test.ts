/**
 * When Slack refuses to open a form because of its trigger (too old, unknown, or used already),
 * the person is told to run the command again: nothing is broken, and "an internal error, tell a
 * PIM admin" would send them to the wrong person.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { textOf } from '../../support/fake-slack.js';
import { alice, slackSuite } from './harness.js';

const suite = slackSuite();
beforeAll(suite.setup);
afterAll(suite.teardown);
beforeEach(suite.start);
afterEach(suite.stop);

describe('a form Slack did not open', () => {
  it.each(['expired_trigger_id', 'invalid_trigger_id', 'exchanged_trigger_id'])('after %s, says "Slack did not open the form; run the command again"', async (error) => {
    const { slack, fake } = suite.get();
    fake.failNext('views.open', error);
    // The policy needs a reason, so the bot answers with the activation form.
    const sent = await slack.command(alice, 'activate Contributor 2h --ticket INC-7');
    expect(sent.status).toBe(200);
    const answer = await fake.waitForResponse(sent.responseId);
    const text = `${answer.body.text ?? ''} ${textOf(answer.body.blocks ?? [])}`;
    expect(text).toContain('Slack did not open the form; run the command again');
    expect(text).not.toMatch(/internal error/);
  });
});
