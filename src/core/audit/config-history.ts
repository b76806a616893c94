/**
 * Which settings changed between two config snapshots (src/config/fingerprint.ts), as dotted
 * paths down to the value that differs: `roles.Owner./subscriptions/prod.maxActivationMs`,
 * `admins`, `roles.Janitor` (added or removed). Lists compare whole, so a changed approver list
 * reads `roles.Owner./.approval.approvers`.
 */
export function changedSettings(before: unknown, after: unknown, path: string[] = []): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => (k in before && k in after ? changedSettings(before[k], after[k], [...path, k]) : [[...path, k].join('.')]));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path.join('.') || '(all)'];
}
