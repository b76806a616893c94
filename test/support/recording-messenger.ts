/** A Slack Messenger that records every post and update (tests that look at what would be sent). */
import type { MessageRef, Messenger, Notice, Recipient } from '../../src/core/index.js';

export class RecordingMessenger implements Messenger {
  readonly platform = 'slack' as const;
  sent: { to: Recipient; notice: Notice }[] = [];
  updated: { ref: MessageRef; notice: Notice }[] = [];
  canReach(): boolean {
    return true;
  }
  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    this.sent.push({ to, notice });
    return { platform: 'slack', conversation: to.kind === 'channel' ? to.channel : to.principalId, messageId: `m${this.sent.length}` };
  }
  async update(ref: MessageRef, notice: Notice): Promise<void> {
    this.updated.push({ ref, notice });
  }
}
