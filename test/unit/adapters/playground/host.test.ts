import { describe, expect, it } from 'vitest';
import { hostAllowed } from '../../../../adapters/playground/index.js';

describe('hostAllowed', () => {
  it('answers requests to this machine by name when bound to loopback', () => {
    for (const host of ['127.0.0.1:3000', 'localhost:3000', 'localhost', '[::1]:3000']) expect(hostAllowed('127.0.0.1', host), host).toBe(true);
  });

  it('refuses other names (DNS rebinding) and requests without a Host', () => {
    for (const host of ['evil.example', 'evil.example:3000', '127.0.0.1.evil.example', undefined, '']) expect(hostAllowed('127.0.0.1', host), String(host)).toBe(false);
  });

  it('accepts the address it is bound to, and anything when HOST listens everywhere on purpose', () => {
    expect(hostAllowed('192.168.1.5', '192.168.1.5:3000')).toBe(true);
    expect(hostAllowed('0.0.0.0', 'evil.example')).toBe(true);
  });
});
