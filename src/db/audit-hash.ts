/** The audit trail's hash chain: how one row's SHA-256 is computed from its content and the previous hash. */
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../core/index.js';

/** `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted recursively and no whitespace; otherwise as `JSON.stringify`
 * (undefined members dropped, `toJSON` honoured), so what jsonb stores hashes the same when read back.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return sortKeys((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** SHA-256 (hex) of the canonical JSON of an event's content and the previous row's hash. */
export function auditHash(e: Omit<AuditEvent, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    details: e.details,
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body).digest('hex');
}
