/** A fixed encryption key for tests (PIM_ENCRYPTION_KEY), and a SecretBox that uses it. */
import { encryptionKey, SecretBox, type KeyRing } from '../../src/mfa/secret-box.js';

/** 32 bytes, base64: what `openssl rand -base64 32` prints. Never used outside tests. */
export const TEST_ENCRYPTION_KEY = 'dGVzdC1rZXktZm9yLXBpbWJvdC10ZXN0cy1vbmx5ISE=';

/** The key ring of TEST_ENCRYPTION_KEY (what `buildCore` takes as `keys`). */
export function testKeyRing(): KeyRing {
  return { current: encryptionKey(Buffer.from(TEST_ENCRYPTION_KEY, 'base64')), previous: [] };
}

export function testSecretBox(): SecretBox {
  return new SecretBox(testKeyRing());
}
