/**
 * The playground in headless Chromium, used as a person would: as Alice, ask for Owner (approval
 * needed); as Carol, press Approve on the card in #approvals; back as Alice, read the DM; move the
 * clock past the end and read the expiry; as Erin, start a self-review of Contributor; as Dave,
 * keep one scope and remove the other from the card in his DM; as Erin, end and apply it and
 * read the summary in #security, Dave told; restart the bot and find its clock where it was.
 * Screenshots of each step go to test-results/playground/. Without a Chromium the suite skips and
 * says why.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppHandle } from '../../../src/app.js';
import { loadEnv } from '../../../src/config/env.js';
import { loadDemoConfig } from '../../../src/config/pim-config.js';
import { findChromium, launchChromium } from '../../support/browser.js';
import { startPlayground, type Playground } from './harness.js';

const chromium = findChromium();
if (!chromium.path) console.info(`[skipped] playground browser test: ${chromium.reason}`);

const SHOTS = fileURLToPath(new URL('../../../test-results/playground/', import.meta.url));
const WAIT = 15_000;

describe.skipIf(!chromium.path)('the playground in a browser', () => {
  let pg: Playground;
  let browser: Browser;
  let page: Page;
  /** The bot started again on the same database (the restart test). */
  let restarted: AppHandle | undefined;
  const problems: string[] = [];

  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false });
  const log = (): Locator => page.getByRole('log');
  /** Waits until the conversation on screen shows `text`. */
  const see = (text: RegExp | string) => log().getByText(text).first().waitFor({ state: 'visible', timeout: WAIT });
  const pick = (name: RegExp) => page.getByRole('navigation').getByRole('button', { name }).click();
  /** The bot's messages in the conversation on screen. */
  const botMessages = (): Locator => log().locator('li.msg-bot');

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true }); // this run's screenshots only
    mkdirSync(SHOTS, { recursive: true });
    pg = await startPlayground();
    browser = await launchChromium(chromium.path as string);
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(`${pg.app.url}/`);
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: WAIT });
  });

  afterAll(async () => {
    await browser?.close();
    await restarted?.close();
    await pg?.close();
  });

  it('shows who you can be, where you can go, and the bot time', async () => {
    const nav = page.getByRole('navigation');
    for (const name of [/^Alice \(engineer\)/, /^Bob \(engineer\)/, /^Carol \(approver\)/, /^Dave \(reviewer\)/, /^Erin \(admin\)/, /^Direct message with pimbot/, /^#approvals/, /^#security/]) {
      await nav.getByRole('button', { name }).waitFor({ timeout: WAIT });
    }
    expect(await page.locator('#bot-time').textContent()).toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(await page.locator('#clock-offset').textContent()).toContain('real time');
  });

  it('as Alice, asks for Owner with a reason and a ticket, and hears it waits for approval', async () => {
    await pick(/^Alice/);
    await pick(/^Direct message with pimbot/);
    const box = page.getByLabel('Message pimbot as Alice');
    await box.fill('/pim activate Owner 1h --reason "fix the prod outage" --ticket INC-42');
    await box.press('Enter');
    await see(/waiting for approval/);
    await shot('01-alice-asks-for-owner');
    expect(await box.inputValue()).toBe('');
    // One answer, with Cancel: no second "waiting" message repeats it.
    await log().getByRole('button', { name: 'Cancel request' }).waitFor({ timeout: WAIT });
    expect(await botMessages().count()).toBe(1);
  });

  it('as Bob, presses Approve and is told he is not an approver; the card stays as it is', async () => {
    await pick(/^Bob/);
    await pick(/^#approvals/);
    await see(/Alice asks to activate Owner/);
    await log().getByRole('button', { name: 'Approve', exact: true }).click();
    await log().getByRole('status').filter({ hasText: /not an approver/ }).waitFor({ timeout: WAIT });
    expect(await log().getByRole('button', { name: 'Approve', exact: true }).count()).toBe(1);
    await shot('02-bob-is-not-an-approver');
    await pick(/^Direct message with pimbot/);
  });

  it('as Carol, presses Approve on the card in #approvals; the card shows the decision, and unread counts appear', async () => {
    await pick(/^Carol/);
    await pick(/^#approvals/);
    await see(/Alice asks to activate Owner/);
    await see('fix the prod outage');
    await shot('04-carol-approval-card');
    await log().getByRole('button', { name: 'Approve', exact: true }).click();
    await see(/Approved by Carol/);
    expect(await log().getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    // Alice has news in her DM and #security has the activation: both show unread counts.
    await page.getByRole('navigation').getByRole('button', { name: /^Alice \(engineer\), \d+ unread/ }).waitFor({ timeout: WAIT });
    await page.getByRole('navigation').getByRole('button', { name: /^#security, 1 unread/ }).waitFor({ timeout: WAIT });
    await shot('05-carol-approved');
  });

  it('back as Alice, finds her answer updated in place (no live Cancel) and one new message: Carol approved', async () => {
    await pick(/^Alice/);
    await pick(/^Direct message with pimbot/);
    await see(/Carol approved your request/);
    await see(/Active until/);
    // The answer to her command, now saying what became of it; and the decision: two messages in all.
    expect(await botMessages().count()).toBe(2);
    expect(await botMessages().first().textContent()).toMatch(/Your request R-[A-Z0-9]+ for Owner[\s\S]*Approved by Carol[\s\S]*Active until/);
    expect(await botMessages().first().locator('.msg-updated').count()).toBe(1);
    expect(await log().getByRole('button', { name: /Cancel/ }).count()).toBe(0);
    expect(await log().getByText(/Alice activated Owner/).count()).toBe(0);
    await shot('06-alice-approved');
  });

  it('moves the clock past the end and sees the expiry message', async () => {
    const offset = page.locator('#clock-offset');
    await page.getByRole('button', { name: 'Move the clock forward 1 hour' }).click();
    await offset.filter({ hasText: '1h ahead of real time' }).waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Move the clock forward 10 minutes' }).click();
    await offset.filter({ hasText: '1h 10m ahead of real time' }).waitFor({ timeout: WAIT });
    await see(/Your Owner at \/subscriptions\/prod expired/);
    // The expiry is a new message (an alert); the answer about the request now says it ended.
    await see(/Ended: it expired/);
    expect(await botMessages().count()).toBe(3);
    // Once the bot has processed what the jump made due, the status line says nothing more.
    await page.locator('#clock-status:empty').waitFor({ state: 'attached', timeout: WAIT });
    await shot('07-alice-owner-expired');
  });

  it('says how to write a custom step the clock cannot take', async () => {
    const offset = await page.locator('#clock-offset').textContent();
    const seen = problems.length;
    await page.getByLabel(/Move the clock forward by/).fill('soon');
    await page.getByRole('button', { name: 'Go' }).click();
    await page.locator('#clock-status').filter({ hasText: 'Write a step like 2h30m.' }).waitFor({ timeout: WAIT });
    expect(await page.locator('#clock-offset').textContent()).toBe(offset);
    await page.getByLabel(/Move the clock forward by/).fill('');
    // The refusal is an HTTP 400, which Chromium also logs as a failed load: that one was asked for.
    const logged = problems.splice(seen);
    expect(logged.filter((p) => !/status of 400/.test(p))).toEqual([]);
  });

  it('as Bob, fills in the activation form the bot answers with, and the form becomes the result', async () => {
    await pick(/^Bob/);
    await pick(/^Direct message with pimbot/);
    await page.getByLabel('Message pimbot as Bob').fill('activate Contributor 2h --scope /subscriptions/dev');
    await page.getByLabel('Message pimbot as Bob').press('Enter');
    const reason = log().getByPlaceholder('What do you need it for?');
    await reason.waitFor({ timeout: WAIT });
    await reason.fill('deploy the <b>hotfix</b> & check **logs**');
    await shot('08-bob-activation-form');
    await log().getByRole('button', { name: 'Activate', exact: true }).click();
    await see(/Contributor at \/subscriptions\/dev/);
    await reason.waitFor({ state: 'detached', timeout: WAIT });
    // What Bob typed comes back as text: no element was made of it.
    expect(await log().locator('b').count()).toBe(0);
    await shot('09-bob-activated');
  });

  it('as Bob, reads help with plain <role> placeholders (no full-width boxes) and an unknown command in one sentence', async () => {
    const box = page.getByLabel('Message pimbot as Bob');
    await box.fill('help');
    await box.press('Enter');
    await see(/pimbot commands/);
    const help = (await botMessages().last().textContent()) ?? '';
    expect(help).not.toMatch(/[＜＞]/);
    expect(help.replace(/\u200B/g, '')).toContain('activate <role> [<duration>]');
    await shot('10-bob-help');

    await box.fill('frobnicate');
    await box.press('Enter');
    await see(/Unknown command frobnicate/);
    const told = (await botMessages().last().textContent()) ?? '';
    expect(told).toContain('Unknown command frobnicate. Try help.');
    // Quoted words are shown as text here: no literal backticks, and no run-on list of commands.
    expect(told).not.toContain('`');
    expect(told).not.toContain('Commands:');
  });

  it('as Erin (admin), assigns someone not in the directory and is told who is missing, not that she is', async () => {
    await pick(/^Erin/);
    await pick(/^Direct message with pimbot/);
    const box = page.getByLabel('Message pimbot as Erin');
    await box.fill('assign zed Reader --reason "on call"');
    await box.press('Enter');
    await see(/No one called zed/);
    const told = (await botMessages().last().textContent()) ?? '';
    expect(told).toMatch(/No one called zed — use an id or e-mail such as zed@[a-z.]+/);
    expect(told).not.toContain('You are not in the PIM directory');
    await shot('11-erin-unknown-user');
  });

  it('as Erin, exports the audit trail with audit --csv and is offered the file to download', async () => {
    const box = page.getByLabel('Message pimbot as Erin');
    await box.fill('audit --csv');
    await box.press('Enter');
    const link = log().getByRole('link', { name: /^Download pim-audit-\d{4}-\d{2}-\d{2}\.csv$/ });
    await link.waitFor({ timeout: WAIT });
    expect(await link.getAttribute('download')).toMatch(/^pim-audit-.*\.csv$/);
    expect(await link.getAttribute('href')).toMatch(/^blob:/);
  });

  let reviewId = '';

  it('as Erin, makes Dave eligible for Contributor at both scopes and starts a self-review of it', async () => {
    const box = page.getByLabel('Message pimbot as Erin');
    for (const scope of ['/subscriptions/prod', '/subscriptions/dev']) {
      await box.fill(`assign dave@example.com Contributor --scope ${scope} --for 90d --reason "joins the deploy rota"`);
      await box.press('Enter');
      await see(new RegExp(`Dave is now eligible for Contributor at ${scope}`));
    }
    await box.fill('review start Contributor --reviewers self --name "Contributor check"');
    await box.press('Enter');
    await see(/Started Contributor check/);
    reviewId = /V-[0-9A-Z]+/.exec((await botMessages().last().textContent()) ?? '')?.[0] ?? '';
    expect(reviewId).toMatch(/^V-/);
    await shot('13-erin-review-started');
  });

  it('as Dave, keeps one scope and removes the other from the card in his DM, which follows each press', async () => {
    await pick(/^Dave/);
    await pick(/^Direct message with pimbot/);
    await see(/Contributor check/);
    const item = (scope: string) =>
      log()
        .locator('.ac-container')
        .filter({ hasText: `Do you still need Contributor at ${scope}?` })
        .filter({ has: page.getByRole('button', { name: /^Keep/ }) })
        .last();
    await item('/subscriptions/prod').getByRole('button', { name: /^Keep/ }).click();
    await see(/Kept by Dave/);
    await item('/subscriptions/dev').getByRole('button', { name: /^Remove/ }).click();
    await see(/Removed by Dave/);
    await shot('14-dave-reviewed');
  });

  it('as Erin, ends and applies the review: Dave loses the removed scope and is told, and #security has the summary', async () => {
    await pick(/^Erin/);
    await pick(/^Direct message with pimbot/);
    const box = page.getByLabel('Message pimbot as Erin');
    await box.fill(`review stop ${reviewId}`);
    await box.press('Enter');
    await see(/has ended/);
    await box.fill(`review apply ${reviewId}`);
    await box.press('Enter');
    await see(/has ended and been applied/);
    await pick(/^#security/);
    await see(/Access review applied/);
    await shot('15-security-review-summary');
    const roles = await pg.app.pim.myRoles(pg.app.pim.actorFor('dave@example.com', 'cli'));
    expect(roles.filter((r) => r.role === 'Contributor' && r.eligible).map((r) => r.scope)).toEqual(['/subscriptions/prod']);
    await pick(/^Dave/);
    await pick(/^Direct message with pimbot/);
    await see(/You removed your eligible assignment of Contributor at \/subscriptions\/dev/);
    await shot('16-dave-told');
  });

  it('renders every card with the real Adaptive Cards renderer, with no errors in the page', async () => {
    expect(await page.locator('.ac-adaptiveCard').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('keeps the bot time across a restart of the bot', async () => {
    const before = await page.locator('#clock-offset').textContent();
    expect(before).toContain('1h 10m ahead of real time');
    await pg.app.close();
    restarted = await startApp({ env: loadEnv({ PIM_DEV_MODE: 'true', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }), config: await loadDemoConfig(), database: pg.database, port: 0 });
    await page.goto(`${restarted.url}/`);
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: WAIT });
    await page.locator('#clock-offset').filter({ hasText: '1h 10m ahead of real time' }).waitFor({ timeout: WAIT });
    await shot('12-after-restart');
  });
});
