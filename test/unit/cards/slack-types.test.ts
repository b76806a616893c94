/** The Block Kit types `cards/` declares (it may not import `@slack/*`) fit the ones Bolt takes. */
import type { Block, HomeView, KnownBlock, ModalView } from '@slack/types';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { slackDenyModal, type SlackHomeView, type SlackMessage, type SlackModalView } from '../../../cards/slack/index.js';

describe('Slack payload types', () => {
  it('are assignable to @slack/types', () => {
    expectTypeOf<SlackModalView>().toExtend<ModalView>();
    expectTypeOf<SlackHomeView>().toExtend<HomeView>();
    expectTypeOf<SlackMessage['blocks'][number]>().toExtend<KnownBlock | Block>();
  });

  it('build a modal that the Bolt type accepts as it is', () => {
    const view: ModalView = slackDenyModal({ requestId: 'R-7K3F9QX', summary: 'Alice: Owner at /subscriptions/prod for 1h', error: null });
    expect(view.type).toBe('modal');
    expect(view.blocks.length).toBeGreaterThan(0);
  });
});
