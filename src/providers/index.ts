import type { GrantProvider } from '../core/index.js';
import type { GrantsConfig, ProviderConfig } from './config.js';
import { AzureProvider } from './azure.js';
import { EntraProvider } from './entra.js';
import { PostgresProvider } from './postgres.js';
import { RecordProvider } from './record.js';
import { RoutingProvider, unrouted, type TargetProvider } from './routing.js';
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
export { ARM_API_VERSION, AzureProvider, type AzureProviderOptions } from './azure.js';
export { EntraProvider, type EntraProviderOptions } from './entra.js';
export { MicrosoftClient, resourceScope, type MicrosoftCall, type MicrosoftError } from './microsoft.js';
export { PostgresProvider, quoteIdent, type PostgresProviderOptions } from './postgres.js';
export { RoutingProvider, unrouted, type RoutedGrant, type RoutingOptions, type TargetProvider } from './routing.js';
export * from './config.js';

/** Builds one provider from its section of pim.config.yaml. `now` is the clock stamped on outgoing webhooks. */
export function createTargetProvider(config: ProviderConfig, now: () => Date = () => new Date()): TargetProvider {
  switch (config.type) {
    case 'record':
      return unrouted(new RecordProvider());
    case 'webhook':
      return unrouted(new WebhookProvider({ url: config.url, secret: config.secret, timeoutMs: config.timeoutMs, now }));
    case 'postgres':
      return new PostgresProvider({ url: config.url, terminateSessions: config.terminateSessions, timeoutMs: config.timeoutMs });
    case 'entra':
      return new EntraProvider({ ...config, now });
    case 'azure':
      return new AzureProvider({ ...config, now });
  }
}

/** Builds the configured grant provider (back-compat: one provider for every role). */
export function createProvider(config: ProviderConfig, now: () => Date = () => new Date()): GrantProvider {
  switch (config.type) {
    case 'record':
      return new RecordProvider();
    case 'webhook':
      return new WebhookProvider({ url: config.url, secret: config.secret, timeoutMs: config.timeoutMs, now });
    default:
      return createGrantProvider({ providers: { default: config }, defaultProvider: 'default', routes: [], identities: [] }, now);
  }
}

/**
 * The grant provider for a whole config: every named provider, each role and scope routed to its
 * own. A config that names one provider and no routes gets that provider itself.
 */
export function createGrantProvider(grants: GrantsConfig, now: () => Date = () => new Date()): GrantProvider & { close?(): Promise<void> } {
  const names = Object.keys(grants.providers);
  const only = grants.providers[grants.defaultProvider];
  if (names.length === 1 && only && (only.type === 'record' || only.type === 'webhook')) return createProvider(only, now);
  const providers: Record<string, TargetProvider> = {};
  // Only the providers something routes to are built (and connect): an unused one costs nothing.
  const used = new Set([grants.defaultProvider, ...grants.routes.map((r) => r.provider)]);
  for (const name of names) {
    if (used.has(name)) providers[name] = createTargetProvider(grants.providers[name] as ProviderConfig, now);
  }
  return new RoutingProvider({ ...grants, providers });
}
