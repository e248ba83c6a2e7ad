// Rules pages in Chromium: the list, the form (plain forms, no JavaScript needed) and the dry run
// pass axe and the CSP and fit a phone; a rule is created and reordered, and a form that fails
// validation comes back with its input kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage, type E2e, NARROW, skipBrowser, startE2e, suiteTitle } from './helpers.js';

let e2e: E2e | undefined;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('rules pages'), () => {
  beforeAll(async () => {
    e2e = await startE2e();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  for (const viewport of [NARROW, { width: 1280, height: 800 }]) {
    it(`creates, reorders, dry-runs and validates a rule at ${viewport.width} px`, async () => {
      const name = `Domos ${viewport.width}`;
      await app().withPage({ viewport }, async (page, problems) => {
        await app().signIn(page, 'admin@demo.local');
        await page.goto(`${app().baseUrl}/admin/rules`);
        await checkPage(page, problems, `rules-list-${viewport.width}`);
        await page.getByRole('link', { name: 'Nueva regla' }).click();
        await page.waitForLoadState('load');
        await checkPage(page, problems, `rules-form-${viewport.width}`);

        await page.getByLabel('Nombre').fill(name);
        await page.getByLabel('El asunto contiene').fill('cámara');
        await page.locator('#f-actionType1').selectOption('internal_note');
        await page.locator('#f-actionText1').fill('Revisar la grabación');
        await page.getByRole('button', { name: 'Crear regla' }).click();
        await page.waitForLoadState('load');
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(name);

        await page.getByRole('link', { name: 'Prueba en seco' }).click();
        await page.waitForLoadState('load');
        await checkPage(page, problems, `rules-dry-run-${viewport.width}`);

        await page.goto(`${app().baseUrl}/admin/rules`);
        const names = () => page.locator('li[id^="rule-"] h2 a').allTextContents();
        const before = (await names()).indexOf(name);
        await page.getByRole('button', { name: `Subir ${name}` }).click();
        await page.waitForLoadState('load');
        expect((await names()).indexOf(name)).toBe(before - 1);

        // Last: the 422 answer is expected here (the page checks above refuse failed requests).
        await page.goto(`${app().baseUrl}/admin/rules/new`);
        await page.getByLabel('Nombre').fill(`${name} sin acción`);
        await page.getByLabel('El asunto contiene').fill('domo');
        await page.getByRole('button', { name: 'Crear regla' }).click();
        await page.waitForLoadState('load');
        expect(await page.locator('#f-actionType1-error').textContent()).toContain('al menos una acción');
        expect(await page.getByLabel('El asunto contiene').inputValue()).toBe('domo');
        expect(problems.csp).toEqual([]);
      });
    }, 120_000);
  }
});
