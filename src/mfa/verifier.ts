/**
 * MFA on activation with TOTP authenticator apps. The secret and the last used time step live
 * in the database (`MfaRepo`), so a code is accepted once across every replica.
 */
import type { MfaVerifier, UnitOfWork } from '../core/ports.js';
import { generateSecret, otpauthUri, verifyTotp } from './totp.js';

export interface TotpVerifierOptions {
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

export class TotpVerifier implements MfaVerifier {
  private readonly window: number;
  private readonly issuer: string;
  private readonly newSecret: () => string;

  constructor(options: TotpVerifierOptions = {}) {
    this.window = options.window ?? 1;
    this.issuer = options.issuer ?? 'pimbot';
    this.newSecret = options.newSecret ?? generateSecret;
  }

  async verify(uow: UnitOfWork, principalId: string, code: string, at: Date): Promise<'ok' | 'invalid' | 'reused' | 'not_enrolled'> {
    const enrolled = await uow.mfa.getSecret(principalId);
    if (!enrolled) return 'not_enrolled';
    const step = verifyTotp(enrolled.secret, code, at, this.window);
    if (step === null) return 'invalid';
    // useStep is the compare-and-set: it refuses this step and any older one once a code was used.
    return (await uow.mfa.useStep(principalId, step)) ? 'ok' : 'reused';
  }

  /** Gives a principal a new secret (replacing any earlier one) and the URI to import it. */
  async enroll(uow: UnitOfWork, principalId: string, at: Date): Promise<Enrollment> {
    const secret = this.newSecret();
    await uow.mfa.setSecret(principalId, secret, at);
    return { secret, uri: otpauthUri({ secret, account: principalId, issuer: this.issuer }) };
  }
}
