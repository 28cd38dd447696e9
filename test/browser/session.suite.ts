/**
 * The settings page's session in Chromium: it survives new tabs and reloads, signing out and
 * switching user (the user is chosen in the Zoho sign-in popup), a rep's read-only view, closing the
 * popup unanswered, an expired session signed in again with one click, and disconnecting from the
 * page. axe-core checks the states shown on the way, and the emulator's sign-in page.
 */
import type { FrameLocator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  axeViolations,
  card,
  hasChromium,
  checkAndClose,
  openSandbox,
  REP,
  signInThroughPopup,
  STEP_MS,
  WAIT_MS,
  widgetFrame,
  type BrowserSandbox,
} from './helpers.js';

/** What the page-side code uses (the test tsconfig has no DOM types). */
interface BrowserGlobals {
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

describe.skipIf(!hasChromium)('the settings page session in Chromium', () => {
  let b: BrowserSandbox;
  let other: Page;
  /** Where the widget keeps its session (widget/src/api/session.ts: one key per backend origin). */
  const sessionKey = () => `wzsync:session:${b.sandbox.url}`;

  const connection = (settings: FrameLocator) => card(settings, 'Zoho CRM connection');
  const badge = (settings: FrameLocator) => connection(settings).locator('.card-header .badge');
  const settingsOf = (page: Page) => page.frameLocator('#settings-frame');
  const workspace = () => b.sandbox.server.store.workspaces.byOrg(b.orgId);
  const expectAccessible = async (page: Page, state: string) =>
    expect(
      await axeViolations(widgetFrame(page, 'settings')),
      `axe-core on the settings page, ${state}`,
    ).toEqual([]);

  beforeAll(async () => {
    b = await openSandbox();
  }, STEP_MS);

  checkAndClose(() => b);

  it(
    'stays connected in a new tab and after a reload, without clicking anything',
    async () => {
      await signInThroughPopup(b.page, b.settings, 'Connect Zoho CRM');
      await connection(b.settings).getByText('Connected', { exact: true }).waitFor();
      // The token is kept with its expiry (renewed at once), per backend origin.
      const stored = await widgetFrame(b.page, 'settings').evaluate(
        (key) => (globalThis as unknown as BrowserGlobals).localStorage.getItem(key),
        sessionKey(),
      );
      expect(JSON.parse(stored!)).toMatchObject({
        kind: 'session',
        session: { email: ADMIN.email, expiresAt: expect.stringMatching(/^\d{4}-/) },
      });

      other = await b.newTab();
      await connection(settingsOf(other)).getByText('Connected', { exact: true }).waitFor();
      await expect
        .poll(() => connection(settingsOf(other)).textContent())
        .toContain(`${ADMIN.email} (owner)`);
      await other.reload();
      await connection(settingsOf(other)).getByText('Connected', { exact: true }).waitFor();
      expect(
        await settingsOf(other).getByRole('button', { name: 'Connect Zoho CRM', exact: true }).count(),
      ).toBe(0);
    },
    STEP_MS,
  );

  it(
    'signs out in one tab, and the other tab follows',
    async () => {
      await settingsOf(other).getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => badge(settingsOf(other)).textContent()).toBe('Signed out');
      expect(await connection(settingsOf(other)).textContent()).toContain(`You signed out (${ADMIN.email})`);
      await expect.poll(() => badge(b.settings).textContent(), { timeout: WAIT_MS }).toBe('Signed out');
      await expectAccessible(other, 'signed out');
      expect((await workspace())?.connection.status).toBe('connected'); // signing out leaves the sync alone
    },
    STEP_MS,
  );

  it(
    'signs in as the rep (chosen in the popup): a read-only view that says who is signed in; Switch user goes back to the owner',
    async () => {
      await signInThroughPopup(b.page, b.settings, 'Sign in with Zoho', REP);
      await expect
        .poll(() => connection(b.settings).textContent(), { timeout: WAIT_MS })
        .toContain(`${REP.email} (read-only: only the owner changes settings)`);
      const settingsCard = card(b.settings, 'Integration settings');
      await settingsCard
        .getByText(/Only the workspace owner \(admin@sandbox\.test\) can change these settings/)
        .waitFor();
      expect(await b.settings.getByRole('button', { name: 'Disconnect Zoho CRM' }).count()).toBe(0);
      expect(await b.settings.getByRole('button', { name: 'Regenerate webhook URL' }).count()).toBe(0);
      expect(await b.settings.getByRole('combobox').count()).toBe(0);
      await expectAccessible(b.page, 'read-only (a rep)');

      await signInThroughPopup(b.page, b.settings, 'Switch user', ADMIN);
      await expect
        .poll(() => connection(b.settings).textContent(), { timeout: WAIT_MS })
        .toContain(`${ADMIN.email} (owner)`);
      await b.settings.getByRole('button', { name: 'Disconnect Zoho CRM' }).waitFor();
      await b.settings.getByRole('button', { name: 'Regenerate webhook URL' }).waitFor();
    },
    STEP_MS,
  );

  it(
    'returns the button to its normal state when the sign-in popup is closed unanswered',
    async () => {
      const popupOpened = b.page.waitForEvent('popup');
      await b.settings.getByRole('button', { name: 'Switch user' }).click();
      const popup = await popupOpened;
      await b.settings.getByRole('button', { name: 'Waiting for Zoho…' }).waitFor();
      await popup.close();
      await b.settings
        .getByText(/sign-in window was closed before you finished\. Nothing changed\./)
        .waitFor();
      const button = b.settings.getByRole('button', { name: 'Switch user' });
      expect(await button.isEnabled()).toBe(true);
      // Still signed in as before.
      expect(await connection(b.settings).textContent()).toContain(`${ADMIN.email} (owner)`);
    },
    STEP_MS,
  );

  it(
    'after the session expired, says so and signs in again with one click, back to the same settings',
    async () => {
      const frame = widgetFrame(b.page, 'settings');
      await frame.evaluate((key) => {
        const storage = (globalThis as unknown as BrowserGlobals).localStorage;
        const value = JSON.parse(storage.getItem(key)!) as { session: { expiresAt: string } };
        value.session.expiresAt = '2000-01-01T00:00:00.000Z';
        storage.setItem(key, JSON.stringify(value));
      }, sessionKey());
      await b.page.reload();
      await expect.poll(() => badge(b.settings).textContent(), { timeout: WAIT_MS }).toBe('Session ended');
      await expectAccessible(b.page, 'session ended');
      await signInThroughPopup(b.page, b.settings, 'Sign in again');
      await connection(b.settings).getByText('Connected', { exact: true }).waitFor();
    },
    STEP_MS,
  );

  it(
    'disconnects from the page after a confirmation saying incoming messages are kept; every tab then shows "Disconnected"',
    async () => {
      await b.settings.getByRole('button', { name: 'Disconnect Zoho CRM' }).click();
      const dialog = b.settings.getByRole('alertdialog', { name: 'Disconnect Zoho CRM?' });
      expect(await dialog.textContent()).toContain(
        'Incoming WhatsApp messages are kept and synced after you reconnect',
      );
      await expectAccessible(b.page, 'confirming the disconnect');
      await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
      await expect.poll(() => badge(b.settings).textContent(), { timeout: WAIT_MS }).toBe('Disconnected');
      expect(await connection(b.settings).textContent()).not.toMatch(/invalid or expired/);
      expect((await workspace())?.connection.status).toBe('disconnected');
      await expect
        .poll(() => badge(settingsOf(other)).textContent(), { timeout: WAIT_MS })
        .toBe('Disconnected');
      await expectAccessible(b.page, 'disconnected');
      // The host page's banner warns (it was green while the integration stayed on).
      await expect
        .poll(() => b.page.locator('#org-state').getAttribute('data-tone'), { timeout: WAIT_MS })
        .toBe('warn');

      await signInThroughPopup(b.page, b.settings, 'Connect Zoho CRM');
      await connection(b.settings).getByText('Connected', { exact: true }).waitFor();
      expect((await workspace())?.connection.status).toBe('connected');
    },
    STEP_MS,
  );

  it(
    "passes axe-core on the emulator's Zoho sign-in page",
    async () => {
      const popupOpened = b.page.waitForEvent('popup');
      await b.settings.getByRole('button', { name: 'Switch user' }).click();
      const popup = await popupOpened;
      await popup.getByRole('link', { name: new RegExp(`Accept as ${ADMIN.name}`) }).waitFor();
      const violations = await axeViolations(popup);
      await popup.close();
      expect(violations, "axe-core on the emulator's sign-in page").toEqual([]);
    },
    STEP_MS,
  );
});
