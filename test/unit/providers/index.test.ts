import { describe, expect, it } from 'vitest';
import { createProvider, RecordProvider, WebhookProvider } from '../../../src/providers/index.js';

describe('createProvider', () => {
  it('builds the record provider', () => {
    expect(createProvider({ type: 'record' })).toBeInstanceOf(RecordProvider);
  });

  it('builds the webhook provider', () => {
    const p = createProvider({ type: 'webhook', url: 'https://grants.example.com/pim', secret: 's', timeoutMs: 1000 });
    expect(p).toBeInstanceOf(WebhookProvider);
    expect(p.name).toBe('webhook');
    expect(p.inline).toBe(false);
  });

  it('passes a bad webhook configuration error through', () => {
    expect(() => createProvider({ type: 'webhook', url: 'nope', secret: 's' })).toThrow(/url/);
  });
});
