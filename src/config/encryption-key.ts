/**
 * The key that encrypts TOTP secrets at rest (src/mfa/secret-box.ts). `PIM_ENCRYPTION_KEY` holds
 * 32 random bytes as base64 or hex, and is required outside dev mode; `PIM_ENCRYPTION_PREVIOUS_KEYS`
 * (comma-separated) holds keys it replaced, so what they sealed still opens until it is re-sealed
 * at start. In dev mode without a key, one is generated once and kept in the data directory.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encryptionKey, KEY_BYTES, type KeyRing } from '../mfa/secret-box.js';
import { ConfigError } from './errors.js';

/** How to make a key, in every message that asks for one. */
export const KEY_HINT = 'generate one with `openssl rand -base64 32` (or `node -e "console.log(crypto.randomBytes(32).toString(\'base64\'))"`)';

/** 32 bytes from base64 (standard or url-safe, padded or not) or 64 hex digits; null otherwise. */
export function decodeEncryptionKey(text: string): Buffer | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return b.length === KEY_BYTES ? b : null;
  }
  return null;
}

/** Where dev mode keeps its generated key: next to the PGlite directory (default `./.data/encryption.key`). */
export function devKeyPath(pgliteDir: string): string {
  return join(dirname(pgliteDir), 'encryption.key');
}

export interface ResolvedKeys {
  ring: KeyRing;
  /** Where the key came from: the environment, or dev mode's key file (`generated` when made just now). */
  source: { kind: 'env' } | { kind: 'dev-file'; path: string; generated: boolean };
}

interface KeyEnv {
  devMode: boolean;
  pgliteDir: string;
  encryptionKey?: string;
  previousEncryptionKeys: string[];
}

/**
 * The key ring for this process. Outside dev mode a missing PIM_ENCRYPTION_KEY is a ConfigError
 * that says how to make one. In dev mode the key file is created once (never overwritten: two
 * processes starting together agree on the first one written) and read after that.
 */
export function resolveEncryptionKeys(env: KeyEnv): ResolvedKeys {
  const previous = env.previousEncryptionKeys.map((text) => encryptionKey(decodeEncryptionKey(text) as Buffer));
  if (env.encryptionKey) {
    return { ring: { current: encryptionKey(decodeEncryptionKey(env.encryptionKey) as Buffer), previous }, source: { kind: 'env' } };
  }
  if (!env.devMode) {
    throw new ConfigError('The environment is not valid (see .env.example):', [
      `PIM_ENCRYPTION_KEY: required outside dev mode; it encrypts the MFA secrets in the database. Set it to 32 random bytes in base64 or hex: ${KEY_HINT}, and keep it as safe as DATABASE_URL's password`,
    ]);
  }
  const path = devKeyPath(env.pgliteDir);
  let generated = false;
  mkdirSync(dirname(path), { recursive: true });
  // Written whole to a temporary file, then linked into place: link fails if the key exists, so a
  // second process never reads a half-written key nor replaces the first one's.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    linkSync(tmp, path);
    generated = true;
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  const key = decodeEncryptionKey(readFileSync(path, 'utf8'));
  if (!key) {
    throw new ConfigError(`Cannot use the dev-mode encryption key in ${path}:`, [`${path}: expected 32 bytes in base64 or hex; delete the file to have a new key made (MFA enrolments made with the old key must then be redone)`]);
  }
  return { ring: { current: encryptionKey(key), previous }, source: { kind: 'dev-file', path, generated } };
}
