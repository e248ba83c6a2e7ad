// Calendar pages in Chromium: the list and the form pass axe and the CSP, and the weekday grid fits
// a phone; a calendar can be edited with the plain form (no JavaScript needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPage,
  type E2e,
  expectNoHorizontalOverflow,
  NARROW,
  skipBrowser,
  startE2e,
  suiteTitle,
} from './helpers.js';

let e2e: E2e | undefined;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('calendar pages'), () => {
  beforeAll(async () => {
    e2e = await startE2e();
  });

  afterAll(async () => {
    await e2e?.close();
  });

  for (const viewport of [NARROW, { width: 1280, height: 800 }]) {
    it(`lists, shows and saves a calendar at ${viewport.width} px`, async () => {
      await app().withPage({ viewport }, async (page, problems) => {
        await app().signIn(page, 'admin@demo.local');
        await page.goto(`${app().baseUrl}/admin/calendars`);
        await checkPage(page, problems, `calendars-list-${viewport.width}`);
        await expectNoHorizontalOverflow(page, `calendars list at ${viewport.width} px`);
        await page.getByRole('link', { name: 'Horario comercial' }).click();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Horario comercial');
        await checkPage(page, problems, `calendars-form-${viewport.width}`);
        await expectNoHorizontalOverflow(page, `calendar form at ${viewport.width} px`);
        expect(await page.locator('#preview-title + ol li').count()).toBe(5);

        await page.getByLabel('Sábado').fill('09:00-13:00');
        await page.getByRole('button', { name: 'Guardar' }).click();
        await page.waitForLoadState('load');
        expect(await page.getByLabel('Sábado').inputValue()).toBe('09:00-13:00');
        await checkPage(page, problems, `calendars-saved-${viewport.width}`);
      });
    });
  }
});
