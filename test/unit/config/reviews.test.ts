/** `reviews:` in pim.config.yaml: recurring access reviews, validated with the bad key named. */
import { describe, expect, it } from 'vitest';
import { BASE, parse, problemsOf } from './helpers.js';

const ROLES = `
roles:
  - { name: Owner, scopes: [/subscriptions/prod] }
  - { name: Reader, scopes: [/] }
`;
const withReviews = (reviews: string) => `${BASE}${ROLES}reviews:\n${reviews}`;

describe('reviews:', () => {
  it('resolves a recurring review with the defaults filled in', () => {
    const cfg = parse(withReviews('  - { name: Owner quarterly, roles: [owner], reviewers: approvers, recurrence: quarterly, start: 2030-01-31, timeZone: Europe/Berlin }'));
    expect(cfg.reviews).toEqual([
      {
        name: 'Owner quarterly',
        roles: ['Owner'],
        scope: null,
        reviewers: { kind: 'approvers' },
        settings: expect.objectContaining({ assignmentTypes: 'both', includePermanent: true, requireReason: false, reminders: true, recommendations: true, lookbackMs: 30 * 86_400_000, defaultDecision: 'none', autoApply: false, fallbackReviewers: [] }),
        durationDays: 14,
        recurrence: 'quarterly',
        start: { year: 2030, month: 1, day: 31 },
        endAt: null,
        timeZone: 'Europe/Berlin',
      },
    ]);
  });

  it('takes named reviewers, fallback reviewers and every setting', () => {
    const [r] = parse(
      withReviews(
        '  - { name: R, roles: [Reader], scope: /, reviewers: [alice@example.com, group:leads], fallbackReviewers: [alice@example.com], duration: 7d, assignments: eligible, includePermanent: false, requireReason: true, reminders: false, recommendations: false, lookback: 60d, defaultDecision: recommendation, autoApply: true, start: 2030-02-01, end: 2031-01-01 }',
      ),
    ).reviews;
    expect(r).toMatchObject({ reviewers: { kind: 'principals', ids: ['alice@example.com', 'group:leads'] }, durationDays: 7, scope: '/', recurrence: 'once' });
    expect(r?.settings).toMatchObject({ assignmentTypes: 'eligible', includePermanent: false, requireReason: true, reminders: false, recommendations: false, lookbackMs: 60 * 86_400_000, defaultDecision: 'recommendation', autoApply: true, fallbackReviewers: ['alice@example.com'] });
  });

  it('names an unknown key', () => {
    const [problem] = problemsOf(withReviews('  - { name: R, roles: [Reader], reviewers: self, start: 2030-01-01, autoAply: true }'));
    expect(problem).toMatch(/^pim\.config\.yaml: reviews\.0\.autoAply: unknown key; expected one of: name, roles,/);
  });

  it('names a role, scope or reviewer the config does not have', () => {
    expect(problemsOf(withReviews('  - { name: R, roles: [Admin], reviewers: self, start: 2030-01-01 }'))[0]).toBe('pim.config.yaml: reviews.0.roles.0: expected a role name from roles (Owner, Reader), got "Admin"');
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], scope: /nope, reviewers: self, start: 2030-01-01 }'))[0]).toBe('pim.config.yaml: reviews.0.scope: expected a scope of Owner (/subscriptions/prod), got "/nope"');
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: [zed@example.com], start: 2030-01-01 }'))[0]).toMatch(/^pim\.config\.yaml: reviews\.0\.reviewers\.0: /);
  });

  it('names a bad duration, recurrence, default decision, start or time zone', () => {
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: self, start: 2030-01-01, duration: 200d }'))[0]).toMatch(/^pim\.config\.yaml: reviews\.0\.duration: expected a duration between 1d and 180d/);
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: self, start: 2030-01-01, recurrence: daily }'))[0]).toMatch(/^pim\.config\.yaml: reviews\.0\.recurrence: expected one of: once, weekly, monthly, quarterly, semiannual, annual/);
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: self, start: 2030-01-01, defaultDecision: deny }'))[0]).toMatch(/^pim\.config\.yaml: reviews\.0\.defaultDecision: expected one of: none, keep, remove, recommendation/);
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: self, start: soon }'))[0]).toBe('pim.config.yaml: reviews.0.start: expected a day like 2030-01-31, got "soon"');
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: self, start: 2030-01-01, timeZone: Mars/Olympus }'))[0]).toMatch(/^pim\.config\.yaml: reviews\.0\.timeZone: expected an IANA time zone/);
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: everyone, start: 2030-01-01 }'))[0]).toMatch(/^pim\.config\.yaml: reviews\.0\.reviewers: expected self, approvers or a list/);
  });

  it('refuses two reviews with one name', () => {
    expect(problemsOf(withReviews('  - { name: R, roles: [Owner], reviewers: self, start: 2030-01-01 }\n  - { name: r, roles: [Reader], reviewers: self, start: 2030-01-01 }'))[0]).toBe('pim.config.yaml: reviews.1.name: expected each review name once, but "r" is also reviews.0');
  });
});
