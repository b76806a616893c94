import type { GrantProvider } from '../core/index.js';
import { RecordProvider } from './record.js';
import { WebhookProvider } from './webhook.js';

export { RecordProvider } from './record.js';
export {
  WebhookProvider,
  verifyWebhookSignature,
  signWebhookBody,
  parseRetryAfter,
  type WebhookBody,
  type WebhookEvent,
  type WebhookProviderOptions,
} from './webhook.js';

/** The `provider` section of pim.config.yaml, after validation. */
export type ProviderConfig =
  | { type: 'record' }
  | { type: 'webhook'; url: string; secret: string; timeoutMs?: number };

/** Builds the configured grant provider. `now` is the clock stamped on outgoing webhooks. */
export function createProvider(config: ProviderConfig, now: () => Date = () => new Date()): GrantProvider {
  switch (config.type) {
    case 'record':
      return new RecordProvider();
    case 'webhook':
      return new WebhookProvider({ url: config.url, secret: config.secret, timeoutMs: config.timeoutMs, now });
  }
}
