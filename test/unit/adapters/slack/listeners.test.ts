/**
 * The listeners are plain functions: called here without Bolt, with recording stand-ins for ack,
 * respond and the Web API client. Each acknowledges before anything slow and runs a delivery once.
 */
import { describe, expect, it } from 'vitest';
import type { WebClient } from '../../../../adapters/slack/answer.js';
import type { SlackDeps } from '../../../../adapters/slack/deps.js';
import { SlackIdentity } from '../../../../adapters/slack/identity.js';
import { approvePressed } from '../../../../adapters/slack/listeners/actions/approve.js';
import { pimCommand } from '../../../../adapters/slack/listeners/commands/pim.js';
import { appHomeOpened } from '../../../../adapters/slack/listeners/events/app-home-opened.js';
import { activationSubmitted } from '../../../../adapters/slack/listeners/views/activate.js';
import { APPROVE } from '../../../../cards/actions.js';
import { Directory, type Pim } from '../../../../src/core/index.js';
import { createLogger } from '../../../../src/logger.js';
import { createMetrics } from '../../../../src/metrics.js';

function setup(opts: { firstDelivery?: boolean } = {}) {
  const steps: string[] = [];
  const directory = new Directory([], [], []);
  const pim = { directory, resolve: (p: 'slack', id: string, email?: string) => directory.resolve(p, id, email) } as unknown as Pim;
  const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
  const deps: SlackDeps = {
    pim,
    clock,
    logger: createLogger('silent'),
    metrics: createMetrics(),
    dedupe: {
      claimOnce: async (key) => {
        steps.push(`claim ${key}`);
        return opts.firstDelivery ?? true;
      },
    },
    identity: new SlackIdentity({
      pim,
      clock,
      emailFallback: true,
      logger: { warn: () => {} },
      lookupEmail: async () => {
        steps.push('users.info');
        return null;
      },
    }),
    timeZone: 'UTC',
  };
  const said: unknown[] = [];
  const client = {
    views: { publish: async () => void steps.push('views.publish') },
    chat: { postMessage: async () => void steps.push('chat.postMessage') },
  } as unknown as WebClient;
  return {
    deps,
    steps,
    said,
    client,
    ack: async (response?: unknown) => void steps.push(response ? `ack ${JSON.stringify(response)}` : 'ack'),
    respond: async (m: unknown) => {
      steps.push('respond');
      said.push(m);
    },
  };
}

const command = { text: 'activate Reader 1h', user_id: 'U0NOBODY', trigger_id: '123.456', response_url: 'https://hooks.slack.com/commands/x' };

describe('pimCommand', () => {
  it('acks first, then claims the trigger id, then tells an unknown user to ask a PIM admin', async () => {
    const s = setup();
    await pimCommand({ command, ack: s.ack, respond: s.respond, client: s.client }, s.deps);
    expect(s.steps).toEqual(['ack', 'claim slack:command:123.456', 'users.info', 'respond']);
    expect(s.said).toEqual([expect.objectContaining({ response_type: 'ephemeral', text: expect.stringContaining('Ask a PIM admin') })]);
  });

  it('acks a repeated delivery and does nothing else', async () => {
    const s = setup({ firstDelivery: false });
    await pimCommand({ command, ack: s.ack, respond: s.respond, client: s.client }, s.deps);
    expect(s.steps).toEqual(['ack', 'claim slack:command:123.456']);
  });
});

describe('approvePressed', () => {
  it('acks first and answers an unreadable hint ephemerally, without touching the request', async () => {
    const s = setup();
    s.deps.identity = new SlackIdentity({
      pim: { resolve: () => ({ id: 'carol@example.com', name: 'Carol', kind: 'user' }) } as unknown as Pim,
      clock: s.deps.clock,
      emailFallback: true,
      logger: { warn: () => {} },
      lookupEmail: async () => null,
    });
    await approvePressed(
      { action: { action_id: APPROVE, value: '{"nope":1}', action_ts: '1.2' }, body: { user: { id: 'U0CAROL' }, trigger_id: '9.9', response_url: 'https://hooks.slack.com/actions/x' }, ack: s.ack, respond: s.respond, client: s.client },
      s.deps,
    );
    expect(s.steps).toEqual(['ack', 'claim slack:action:9.9', 'respond']);
    expect(s.said).toEqual([expect.objectContaining({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('out of date') })]);
  });
});

describe('activationSubmitted', () => {
  it('closes a modal that is not ours with a plain ack, once', async () => {
    const s = setup();
    await activationSubmitted({ view: { private_metadata: 'junk' }, body: { user: { id: 'U0ALICE' }, trigger_id: '1.1' }, ack: s.ack, client: s.client }, s.deps);
    expect(s.steps).toEqual(['ack']);
  });
});

describe('appHomeOpened', () => {
  it('ignores the Messages tab and publishes a refusal Home for an unknown user', async () => {
    const s = setup();
    await appHomeOpened({ event: { user: 'U0NOBODY', tab: 'messages' }, body: { event_id: 'Ev1' }, client: s.client }, s.deps);
    expect(s.steps).toEqual([]);
    await appHomeOpened({ event: { user: 'U0NOBODY', tab: 'home' }, body: { event_id: 'Ev2' }, client: s.client }, s.deps);
    expect(s.steps).toEqual(['claim slack:event:Ev2', 'users.info', 'views.publish']);
  });
});
