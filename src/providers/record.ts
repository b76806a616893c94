import type { GrantProvider, GrantTarget, HeldGrant } from '../core/index.js';

/**
 * Record-only grants: the assignment row in the database is the grant, so there is nothing to
 * call and nothing that can fail. Systems that need to know read the database or the audit trail.
 */
export class RecordProvider implements GrantProvider {
  readonly name = 'record';
  readonly inline = true;

  async grant(_a: GrantTarget): Promise<void> {}

  async revoke(_a: GrantTarget): Promise<void> {}

  /** Nothing outside the database to compare with. */
  async list(_at: { role: string; scope: string }): Promise<HeldGrant[] | null> {
    return null;
  }
}
