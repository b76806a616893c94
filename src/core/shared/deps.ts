/** What every core feature is given: the ports, the directory, the roles, and a few facts about the running bot. */
import type { Directory } from '../directory.js';
import type { Clock, IdGenerator, MfaVerifier, Store } from '../ports.js';
import type { AlertSettings, MfaLockout, Platform, ReviewDefinition, Role } from '../types.js';

export interface PimDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  directory: Directory;
  roles: Role[];
  /** Chat platforms that deliver notices; a notice is queued once per platform. */
  platforms: () => Platform[];
  /** Named channels that exist in the config (e.g. approvals, security). */
  channels: string[];
  /** Whether the grant provider is inline (record: the database is the truth) or external. */
  provider: { name: string; inline: boolean };
  mfa: MfaVerifier;
  /** When wrong MFA codes lock a principal's MFA (default: 5 within 15 minutes lock it for 15 minutes). */
  mfaLockout?: MfaLockout;
  /** The security alert rules (default: DEFAULT_ALERT_SETTINGS in src/core/alerts). */
  alerts?: AlertSettings;
  /** Recurring access reviews (`reviews:` in the config). */
  reviewDefinitions?: ReviewDefinition[];
}
