// Browser check of the account pages on a phone-sized screen: forgotten password, the reset
// form reached from a link, and the e-mail preferences. Each passes axe with no CSP violation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/auth/user-tokens.js';
import { checkPage, type E2e, NARROW, skipBrowser, startE2e, suiteTitle } from './helpers.js';

let e2e: E2e | undefined;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('account pages in the browser'), () => {
  beforeAll(async () => {
    e2e = await startE2e();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('asks for a reset link from the login page and answers without saying whether the account exists', async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await page.goto(`${app().baseUrl}/login`);
      await page.getByRole('link', { name: '¿Olvidó su contraseña?' }).click();
      await page.waitForURL((url) => url.pathname === '/forgot-password');
      await checkPage(page, problems, 'forgot-password');
      await page.getByLabel('Correo electrónico').fill('nadie@ejemplo.test');
      await page.getByRole('button', { name: 'Enviar el enlace' }).click();
      await page.waitForLoadState('load');
      await expect(page.getByText('Si hay una cuenta activa con ese correo').isVisible()).resolves.toBe(true);
      await checkPage(page, problems, 'forgot-password-sent');
    });
  });

  it('sets a new password from a reset link', async () => {
    const { prisma } = app().db;
    const user = await prisma.user.findUniqueOrThrow({ where: { email: 'cliente2@demo.local' } });
    const token = await prisma.$transaction((tx) => issueToken(tx, user.id, 'PASSWORD_RESET'));
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await page.goto(`${app().baseUrl}/reset-password/${token}`);
      await checkPage(page, problems, 'reset-password');
      await page.getByLabel('Contraseña nueva').fill('una contraseña nueva y larga');
      await page.getByLabel('Repetir contraseña').fill('una contraseña nueva y larga');
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/login'),
        page.getByRole('button', { name: 'Guardar la contraseña' }).click(),
      ]);
      await expect(page.getByText('Contraseña cambiada. Inicie sesión con la nueva.').isVisible()).resolves.toBe(true);
      await checkPage(page, problems, 'reset-password-done');
    });
  });

  it('turns an e-mail kind off on the preferences page', async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      // Straight to /account from the login form (leaving a page mid-load aborts its favicon).
      await page.goto(`${app().baseUrl}/login?next=%2Faccount`);
      await app().signIn(page, 'tecnico@demo.local');
      expect(new URL(page.url()).pathname).toBe('/account');
      await checkPage(page, problems, 'preferences');
      const assigned = page.getByLabel('Me asignaron un ticket');
      await expect(assigned.isChecked()).resolves.toBe(true);
      await assigned.uncheck();
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/account'),
        page.getByRole('button', { name: 'Guardar' }).click(),
      ]);
      await page.waitForLoadState('load');
      await expect(page.getByLabel('Me asignaron un ticket').isChecked()).resolves.toBe(false);
      await expect(page.getByLabel('Me mencionaron en una nota interna').isChecked()).resolves.toBe(true);
      await checkPage(page, problems, 'preferences-saved');
    });
  });
});
