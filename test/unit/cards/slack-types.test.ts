/** The Block Kit types `cards/` declares (it may not import `@slack/*`) fit the ones Bolt takes. */
import type { Block, HomeView, KnownBlock, ModalView } from '@slack/types';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SlackHomeView, SlackMessage, SlackModalView } from '../../../cards/slack/index.js';

describe('Slack payload types', () => {
  it('are assignable to @slack/types', () => {
    expectTypeOf<SlackModalView>().toExtend<ModalView>();
    expectTypeOf<SlackHomeView>().toExtend<HomeView>();
    expectTypeOf<SlackMessage['blocks'][number]>().toExtend<KnownBlock | Block>();
    expect(true).toBe(true);
  });
});
