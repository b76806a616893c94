/**
 * MFA with TOTP authenticator apps. The secret (encrypted, src/mfa/secret-box.ts) and the last
 * used time step live in the database (`MfaRepo`), so a code is accepted once across every
 * replica. Counting wrong codes and locking is the core's (src/core/shared/mfa-check.ts); this answers whether
 * one code is right.
 */
import type { MfaVerdict, MfaVerifier, Store, UnitOfWork } from '../core/index.js';
import { isSealed, SecretBoxError, type SecretBox } from './secret-box.js';
import { generateSecret, otpauthUri, verifyTotp } from './totp.js';

export interface TotpVerifierOptions {
  /** Encrypts secrets before they are stored and opens them to check a code. */
  box: SecretBox;
  /** Steps either side of the current one that are still accepted (default 1: ±30 s of clock drift). */
  window?: number;
  /** Service name shown in the authenticator app (default `pimbot`). */
  issuer?: string;
  /** Source of new secrets; tests may pin it. Default: 20 random bytes, base32. */
  newSecret?: () => string;
}

export interface Enrollment {
  /** Base32 secret, for people who type it in by hand. */
  secret: string;
  /** `otpauth://` URI to show as a QR code. */
  uri: string;
}

/** What start-up did to the stored secrets (`sealStoredSecrets`). */
export interface SealReport {
  /** Plaintext secrets (written before encryption) now encrypted. */
  encrypted: number;
  /** Secrets sealed by a previous key, now sealed by the current one. */
  resealed: number;
  /** Principals whose secret no key in the ring opens (they must enrol again). */
  unreadable: string[];
}

export class TotpVerifier implements MfaVerifier {
  private readonly box: SecretBox;
  private readonly window: number;
  private readonly issuer: string;
  private readonly newSecret: () => string;

  constructor(options: TotpVerifierOptions) {
    this.box = options.box;
    this.window = options.window ?? 1;
    this.issuer = options.issuer ?? 'pimbot';
    this.newSecret = options.newSecret ?? generateSecret;
  }

  async verify(uow: UnitOfWork, principalId: string, code: string, at: Date): Promise<MfaVerdict> {
    const enrolled = await uow.mfa.getSecret(principalId);
    if (!enrolled) return 'not_enrolled';
    let secret: string;
    if (isSealed(enrolled.secret)) {
      try {
        secret = this.box.open(enrolled.secret, principalId);
      } catch (e) {
        if (e instanceof SecretBoxError) return 'unreadable';
        throw e;
      }
    } else {
      // Written in plaintext by a bot from before encryption (a rolling upgrade): used, and sealed now.
      secret = enrolled.secret;
      await uow.mfa.replaceSecret(principalId, enrolled.secret, this.box.seal(secret, principalId));
    }
    const step = verifyTotp(secret, code, at, this.window);
    if (step === null) return 'invalid';
    // useStep is the compare-and-set: it refuses this step and any older one once a code was used.
    return (await uow.mfa.useStep(principalId, step)) ? 'ok' : 'reused';
  }

  async isEnrolled(uow: UnitOfWork, principalId: string): Promise<boolean> {
    return (await uow.mfa.getSecret(principalId)) !== null;
  }

  /** Gives a principal a new secret (replacing any earlier one), stored encrypted, and the URI to import it. */
  async enroll(uow: UnitOfWork, principalId: string, at: Date): Promise<Enrollment> {
    const secret = this.newSecret();
    await uow.mfa.setSecret(principalId, this.box.seal(secret, principalId), at);
    return { secret, uri: otpauthUri({ secret, account: principalId, issuer: this.issuer }) };
  }

  /**
   * Encrypts every plaintext secret in place and re-encrypts those a previous key sealed, each by
   * compare-and-set (replicas starting together do each row once). Run at start.
   */
  async sealStoredSecrets(store: Store): Promise<SealReport> {
    return store.transaction(async (uow) => {
      const report: SealReport = { encrypted: 0, resealed: 0, unreadable: [] };
      for (const row of await uow.mfa.allSecrets()) {
        if (!this.box.needsReseal(row.secret)) continue;
        let plain: string;
        if (!isSealed(row.secret)) plain = row.secret;
        else if (this.box.canOpen(row.secret)) {
          try {
            plain = this.box.open(row.secret, row.principalId);
          } catch {
            report.unreadable.push(row.principalId);
            continue;
          }
        } else {
          report.unreadable.push(row.principalId);
          continue;
        }
        if (await uow.mfa.replaceSecret(row.principalId, row.secret, this.box.seal(plain, row.principalId))) {
          if (isSealed(row.secret)) report.resealed++;
          else report.encrypted++;
        }
      }
      return report;
    });
  }
}
