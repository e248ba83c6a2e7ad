// Browser smoke test: each demo role signs in through the real login form in Chromium, lands on
// its home, and the page passes axe (no serious/critical WCAG 2.1 AA issues) without a single
// CSP violation or console error. Screenshots go to tests/e2e/screenshots/ (git-ignored).
// The setup (app, database, Chromium, sign-in, page checks) lives in ./helpers.ts.
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

const roles = [
  { name: 'admin', email: 'admin@demo.local', home: '/admin' },
  { name: 'support', email: 'soporte@demo.local', home: '/queue' },
  { name: 'technician', email: 'tecnico@demo.local', home: '/work' },
  { name: 'client', email: 'cliente@demo.local', home: '/tickets' },
] as const;

let e2e: E2e | undefined;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('browser smoke'), () => {
  beforeAll(async () => {
    e2e = await startE2e();
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('shows an accessible login page', async () => {
    await app().withPage({}, async (page, problems) => {
      await page.goto(`${app().baseUrl}/login`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Iniciar sesión');
      await checkPage(page, problems, 'login');
      // The first Tab shows the skip link.
      await page.keyboard.press('Tab');
      const skipLink = page.locator(':focus');
      expect(await skipLink.textContent()).toBe('Ir al contenido');
      expect((await skipLink.boundingBox())?.width ?? 0).toBeGreaterThan(20);
    });
  });

  for (const role of roles) {
    it(`signs ${role.email} in and lands on ${role.home}`, async () => {
      await app().withPage({}, async (page, problems) => {
        await app().signIn(page, role.email);
        expect(new URL(page.url()).pathname).toBe(role.home);
        await checkPage(page, problems, `${role.name}-home`);
        // Just above Bootstrap's lg breakpoint the menu is expanded but the room is tight.
        await page.setViewportSize({ width: 1000, height: 800 });
        await expectNoHorizontalOverflow(page, `${role.name}-home at 1000 px`);
      });
    });
  }

  it(`fits the login page and the client home in ${NARROW.width} px`, async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await page.goto(`${app().baseUrl}/login`);
      await checkPage(page, problems, `login-${NARROW.width}`);
      await app().signIn(page, 'cliente@demo.local');
      expect(new URL(page.url()).pathname).toBe('/tickets');
      await checkPage(page, problems, `client-home-${NARROW.width}`);
    });
  });
});
