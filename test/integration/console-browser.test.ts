/**
 * The console end to end in headless Chromium (Debian's `chromium`, driven by playwright-core;
 * no browser download): log in, find a deleted message on the timeline, undelete it and see it
 * back in the emulator's mailbox; restore an account into a new one; run a full check and see its
 * progress. Screenshots of the main screens go to test/artifacts/ on every run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { consoleFixture, DELETED_SUBJECT, USER, type ConsoleFixture } from './console-fixture.js';

const CHROMIUM = process.env['ZB_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const available = existsSync(CHROMIUM);
if (!available && process.env['ZB_REQUIRE_LIVE'] === '1')
  throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
if (!available) console.warn(`console browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);

let fx: ConsoleFixture;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: false });
}

describe.skipIf(!available)('console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fx = await consoleFixture();
    // launch() gives the browser a fresh temporary profile of its own, removed at close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('logs in with the Zimbra admin account and shows the overview', async () => {
    await page.goto(fx.server.url);
    await page.getByLabel('Zimbra admin account').fill(fx.emu.adminUser);
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong credentials');
    // Keyboard only: the account field, Tab to the password, Enter submits.
    await page.getByLabel('Zimbra admin account').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(fx.emu.adminPassword);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('table', { name: 'Accounts' }).getByRole('link', { name: USER }).waitFor();
    expect(await page.content()).not.toContain(fx.emu.adminPassword);
    await shot('overview');
  });

  it('finds the deleted message on the timeline, previews it and undeletes it into the mailbox', async () => {
    await page.getByRole('table', { name: 'Accounts' }).getByRole('link', { name: USER }).click();
    const chart = page.locator('.timeline .u-over');
    await chart.waitFor();
    // Drag across the newest bars: the deletion happened in the last hour of the timeline.
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.getByText('Items deleted between').waitFor();
    const row = page.getByRole('table', { name: 'Item list' }).getByRole('button', { name: DELETED_SUBJECT });
    await row.waitFor();
    await row.click();
    const preview = page.getByRole('complementary', { name: 'Preview' });
    await preview.getByText('carol@example.test').waitFor();
    await preview.frameLocator('iframe').getByText('The numbers.').waitFor();
    await shot('timeline-deleted');

    const before = fx.emu.snapshot(USER).items.filter((i) => i.type === 'message').length;
    const undelete = page.getByRole('group', { name: /^Undelete/ });
    await undelete.getByRole('button', { name: 'Preview' }).click();
    await undelete.getByText('Preview (nothing written yet):').waitFor();
    expect(fx.emu.snapshot(USER).items.filter((i) => i.type === 'message').length).toBe(before);
    await undelete.getByRole('button', { name: 'Undelete' }).click();
    await undelete.getByText('succeeded').waitFor();
    await shot('undelete-done');
    const after = fx.emu.snapshot(USER);
    expect(after.items.filter((i) => i.type === 'message').length).toBe(before + 1);
    const restoredFolder = after.folders.find((f) => f.path.startsWith('/Restored '));
    expect(restoredFolder).toBeDefined();
  });

  it('shows a hostile HTML message without running it', async () => {
    await page.getByRole('button', { name: 'Now' }).click();
    await page.getByRole('button', { name: 'Hostile HTML' }).click();
    const frame = page.getByRole('complementary', { name: 'Preview' }).frameLocator('iframe');
    await frame.getByText('there').waitFor();
    expect(await page.title()).not.toBe('pwned');
    expect(await frame.locator('script').count()).toBe(0);
    expect(await frame.locator('form').count()).toBe(0);
  });

  it('restores the account as it was into a new account', async () => {
    const target = 'restored1@example.test';
    await page.getByLabel('Into account (empty: the original account)').fill(target);
    const group = page.getByRole('group', { name: /^Restore the whole account/ });
    await group.getByRole('button', { name: 'Preview' }).click();
    await group.getByText('Preview (nothing written yet):').waitFor();
    await group.getByRole('button', { name: 'Restore account' }).click();
    await group.getByText('succeeded').waitFor({ timeout: 30_000 });
    expect(fx.emu.accounts().map((a) => a.name)).toContain(target);
    const restored = fx.emu.snapshot(target).items.filter((i) => i.type === 'message').length;
    expect(restored).toBeGreaterThan(5);
  });

  it('shows the warning of a restore whose notes the server refuses (notes_enabled off)', async () => {
    // a note backed up now; the emulator, like a stock server, has no CreateNoteRequest (MailService.java)
    fx.emu.addNote(USER, 'console note');
    await new BackupEngine({ client: fx.client, repository: fx.repository }).run();
    await page.reload();
    await page.getByRole('button', { name: 'Now' }).click();
    await page.getByLabel('Into account (empty: the original account)').fill('restored-notes@example.test');
    const group = page.getByRole('group', { name: /^Restore the whole account/ });
    await group.getByRole('button', { name: 'Preview' }).click();
    await group.getByText('Preview (nothing written yet):').waitFor();
    await group.getByText(/zmlocalconfig -e notes_enabled=true/).waitFor(); // the preview warns already
    await group.getByRole('button', { name: 'Restore account' }).click();
    await group.getByText(/note: 0 restored, 1 failed/).waitFor({ timeout: 30_000 });
    await group
      .locator('.warnings')
      .getByText(/zmlocalconfig -e notes_enabled=true/)
      .waitFor();
    // an item failed, so the run is 'partial', not 'succeeded' (the CLI exits 1), and names the item
    await group.getByText('partial', { exact: true }).waitFor();
    expect(await group.getByText('succeeded', { exact: true }).count()).toBe(0);
    await group
      .locator('.failures')
      .getByText(/failed: note .*ZB_UNSUPPORTED/)
      .waitFor();
    await shot('restore-notes-warning');
  });

  it('runs a full check and shows its progress and result; the history records it', async () => {
    await page.getByRole('link', { name: 'Operations' }).click();
    const check = page.getByRole('group', { name: 'Check the repository' });
    await check.getByLabel('Mode').selectOption('full');
    await check.getByRole('button', { name: 'Run full check' }).click();
    await check.getByText('succeeded').waitFor();
    await check.getByText(/full check: \d+ accounts/).waitFor();
    await check.getByText(/Last progress: (blobs|unreferenced|journals) \d+/).waitFor();
    await shot('operations');
    const history = page.getByRole('table', { name: 'Operation history' });
    await history.getByText('full check').first().waitFor();
    await history.getByText('undelete user1@example.test').first().waitFor();
  });

  it('is usable at phone width', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${fx.server.url}#/account/${encodeURIComponent(USER)}`);
    await phone.getByRole('table', { name: 'Item list' }).waitFor();
    // Runs in the page (a string, so this Node-typed file needs no DOM types).
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await shot('phone-account', phone);
    await phone.close();
  });

  it('raised no script error and no CSP violation', () => {
    expect(
      pageErrors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e)),
    ).toEqual([]);
  });
});
