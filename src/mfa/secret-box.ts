/**
 * Encryption at rest for TOTP secrets: AES-256-GCM with a random 96-bit IV per secret and a
 * 128-bit auth tag, bound to the principal it belongs to (additional authenticated data), so a
 * sealed secret copied onto another principal's row does not open. A sealed value reads
 *
 *   v1.<key id>.<iv>.<tag>.<ciphertext>      (each part base64url)
 *
 * The key id (the first 8 bytes of SHA-256 over the key, hex) says which key sealed it, so keys can
 * rotate: the current key seals, previous keys still open, and `needsReseal` finds what the current
 * key did not seal. Base32 TOTP secrets never contain a `.`, so a plaintext value (written before
 * secrets were encrypted) is never mistaken for a sealed one.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const SEALED_RE = /^v1\.([0-9a-f]{16})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

/** An AES-256 key and the id written in front of what it seals. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** The key that seals, and earlier keys that may still open what they sealed. */
export interface KeyRing {
  current: EncryptionKey;
  previous: EncryptionKey[];
}

/** Why a sealed secret did not open: tampered with, or sealed by a key this ring does not hold. */
export class SecretBoxError extends Error {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'unknown_key' | 'tampered',
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** The id of a key: 16 hex digits of its SHA-256 (a 256-bit random key cannot be found from it). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('pimbot-key-id\0').update(key).digest('hex').slice(0, 16);
}

export function encryptionKey(key: Buffer): EncryptionKey {
  if (key.length !== KEY_BYTES) throw new Error(`an encryption key is ${KEY_BYTES} bytes, got ${key.length}`);
  return { id: keyId(key), key: Buffer.from(key) };
}

/** True for a value `SecretBox.seal` wrote (any key); false for a plaintext secret. */
export function isSealed(value: string): boolean {
  return SEALED_RE.test(value);
}

/** The id of the key that sealed `value`, or null when it is not sealed. */
export function sealedKeyId(value: string): string | null {
  return SEALED_RE.exec(value)?.[1] ?? null;
}

const b64 = (b: Buffer): string => b.toString('base64url');

export class SecretBox {
  private ring: KeyRing | null = null;

  /** `keys` may be a thunk: the key is then found (and its absence reported) only when first needed. */
  constructor(private readonly keys: KeyRing | (() => KeyRing)) {}

  private get keyRing(): KeyRing {
    this.ring ??= typeof this.keys === 'function' ? this.keys() : this.keys;
    return this.ring;
  }

  /** The id of the key that seals. */
  get currentKeyId(): string {
    return this.keyRing.current.id;
  }

  /** Seals `plaintext` for `context` (the principal id): a fresh IV every time. */
  seal(plaintext: string, context: string): string {
    const { id, key } = this.keyRing.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, id, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join('.');
  }

  /**
   * Opens a sealed value for `context`. Throws SecretBoxError when it is not a sealed value, was
   * sealed by a key this ring does not hold, or does not authenticate (altered, or another context).
   */
  open(sealed: string, context: string): string {
    const m = SEALED_RE.exec(sealed);
    if (!m) throw new SecretBoxError('not an encrypted secret', 'malformed');
    const [, id, ivText, tagText, ctText] = m as unknown as [string, string, string, string, string];
    const ring = this.keyRing;
    const k = [ring.current, ...ring.previous].find((x) => x.id === id);
    if (!k) throw new SecretBoxError(`encrypted with key ${id}, which is neither PIM_ENCRYPTION_KEY (${ring.current.id}) nor a previous key`, 'unknown_key');
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('not an encrypted secret', 'malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', k.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the encrypted secret does not authenticate: it was altered, or belongs to someone else', 'tampered');
    }
  }

  /** True when `value` is plaintext or sealed by another key than the current one. */
  needsReseal(value: string): boolean {
    return sealedKeyId(value) !== this.keyRing.current.id;
  }

  /** True when this ring holds the key that sealed `value` (plaintext: false). */
  canOpen(value: string): boolean {
    const id = sealedKeyId(value);
    const ring = this.keyRing;
    return id !== null && [ring.current, ...ring.previous].some((k) => k.id === id);
  }
}

const aad = (context: string): Buffer => Buffer.from(`pimbot mfa secret\0${context.toLowerCase()}`, 'utf8');
