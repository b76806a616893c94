/**
 * The directory: who is who, which chat identities belong to whom, who is in which group.
 * Built from pim.config.yaml; a chat identity becomes a principal only through an explicit binding.
 */
import { PimError } from './errors.js';
import type { Group, Principal } from './types.js';

export class Directory {
  private readonly byId = new Map<string, Principal>();
  private readonly groups = new Map<string, Group>();
  /** Admin references as configured: user ids compare case-insensitively, `group:<id>` keeps the group's spelling. */
  private readonly admins: string[];
  /** Auditor references, spelled like `admins`: they may read the audit trail and alerts, nothing else. */
  private readonly auditors: string[];

  constructor(principals: Principal[], groups: Group[], admins: string[], auditors: string[] = []) {
    for (const p of principals) this.byId.set(p.id.toLowerCase(), p);
    for (const g of groups) this.groups.set(g.id, g);
    this.admins = [...admins];
    this.auditors = [...auditors];
  }

  all(): Principal[] {
    return [...this.byId.values()];
  }

  get(id: string): Principal | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** Looks a principal up by id or e-mail; throws unknown_user. */
  require(id: string): Principal {
    const p = this.get(id) ?? this.uniqueBy((x) => x.email?.toLowerCase() === id.toLowerCase());
    if (!p) throw new PimError('unknown_user', { user: id });
    return p;
  }

  /**
   * Finds the person someone typed (an admin's `assign bob …`, `audit --user alice`): an id or
   * e-mail, else a display name or an e-mail's local part when exactly one person has it.
   * Throws no_such_user (nobody; never unknown_user, which is about the one typing) or
   * ambiguous_user_ref (several by name or local part).
   */
  find(ref: string): Principal {
    const exact = this.get(ref) ?? this.uniqueBy((x) => x.email?.toLowerCase() === ref.toLowerCase());
    if (exact) return exact;
    const want = ref.trim().toLowerCase();
    const local = (p: Principal): string => (p.email ?? p.id).toLowerCase().split('@')[0] ?? '';
    for (const pred of [(p: Principal) => p.name.toLowerCase() === want, (p: Principal) => !want.includes('@') && local(p) === want]) {
      const m = this.all().filter(pred);
      if (m.length === 1) return m[0] as Principal;
      if (m.length > 1) throw new PimError('ambiguous_user_ref', { user: ref, matches: m.slice(0, 5).map((p) => p.email ?? p.id).join(', ') });
    }
    throw new PimError('no_such_user', { user: ref, example: this.exampleFor(ref) });
  }

  /** An address like the ones in the directory, for "use an e-mail such as bob@example.com". */
  private exampleFor(ref: string): string {
    const domains = new Map<string, number>();
    for (const p of this.all()) {
      const d = (p.email ?? p.id).split('@')[1];
      if (d) domains.set(d.toLowerCase(), (domains.get(d.toLowerCase()) ?? 0) + 1);
    }
    const domain = [...domains.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'example.com';
    const name = ref.includes('@') ? (ref.split('@')[0] ?? '') : ref;
    return `${/^[a-z0-9._-]{1,40}$/i.test(name) ? name.toLowerCase() : 'alice'}@${domain}`;
  }

  /** Resolves a platform identity. Refuses when nobody or more than one principal matches. */
  resolve(platform: 'slack' | 'teams', platformId: string, email?: string): Principal {
    // Teams ids are GUIDs, equal whatever their case; Slack ids are exact.
    const same = platform === 'teams' ? (a: string) => a.toLowerCase() === platformId.toLowerCase() : (a: string) => a === platformId;
    const matches = this.all().filter((p) => p[platform] !== undefined && same(p[platform] as string));
    if (matches.length === 1) return matches[0] as Principal;
    if (matches.length > 1) throw new PimError('ambiguous_user', { platform, platformId });
    if (email) {
      const byMail = this.all().filter((p) => (p.email ?? p.id).toLowerCase() === email.toLowerCase());
      if (byMail.length > 1) throw new PimError('ambiguous_user', { platform, platformId });
      const found = byMail[0];
      // The e-mail binds only a principal with no account on this platform yet: one bound to
      // another account must not be borrowed by whoever puts its address on their profile.
      if (found && found[platform] !== undefined) throw new PimError('identity_bound_elsewhere', { platform, platformId, principalId: found.id });
      if (found) return found;
    }
    throw new PimError('unknown_user', { platform, platformId });
  }

  private uniqueBy(pred: (p: Principal) => boolean): Principal | undefined {
    const m = this.all().filter(pred);
    return m.length === 1 ? m[0] : undefined;
  }

  isAdmin(principalId: string): boolean {
    const pid = principalId.toLowerCase();
    return this.admins.some((a) => a.toLowerCase() === pid) || this.adminViaGroup(principalId);
  }

  private adminViaGroup(principalId: string): boolean {
    for (const a of this.admins) {
      if (a.startsWith('group:') && this.groupContains(a.slice(6), principalId)) return true;
    }
    return false;
  }

  /** True when the principal is a configured auditor, directly or through a group. */
  isAuditor(principalId: string): boolean {
    return this.matches(this.auditors, principalId);
  }

  adminIds(): string[] {
    return this.expand([...this.admins]);
  }

  /** The groups (ids) a principal belongs to, directly or through nested groups. */
  groupsOf(principalId: string): string[] {
    return [...this.groups.keys()].filter((g) => this.groupContains(g, principalId));
  }

  groupContains(groupId: string, principalId: string, seen = new Set<string>()): boolean {
    if (seen.has(groupId)) return false;
    seen.add(groupId);
    const g = this.groups.get(groupId);
    if (!g) return false;
    const pid = principalId.toLowerCase();
    return g.members.some((m) =>
      m.startsWith('group:') ? this.groupContains(m.slice(6), principalId, seen) : m.toLowerCase() === pid,
    );
  }

  /** Expands principal ids and `group:<id>` references into distinct principal ids. */
  expand(refs: string[]): string[] {
    const out = new Set<string>();
    const visit = (ref: string, seen: Set<string>): void => {
      if (ref.startsWith('group:')) {
        const id = ref.slice(6);
        if (seen.has(id)) return;
        seen.add(id);
        for (const m of this.groups.get(id)?.members ?? []) visit(m, seen);
      } else {
        out.add(this.get(ref)?.id ?? ref);
      }
    };
    for (const r of refs) visit(r, new Set());
    return [...out];
  }

  /** True when the principal is named in `refs`, directly or through a group. */
  matches(refs: string[], principalId: string): boolean {
    return this.expand(refs).some((id) => id.toLowerCase() === principalId.toLowerCase());
  }
}
