// The redesigned ticket page (issue 8) in Chromium, as each role, at 1366 px and at 360 px: axe
// clean, no sideways scrolling, the technician's primary action and the requester's contact on the
// first screen of a phone, an action taken through its dialog, a refused one coming back in its
// dialog with the typed text, and the same action without JavaScript (its own page, plain GET + POST).
// Screenshots: tests/e2e/screenshots/ticket-page-<role>-<width>.png.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { seedDemoTickets } from '../../src/demo/demo-tickets.js';
import { createServices } from '../../src/services.js';
import { checkPage, type E2e, NARROW, type Session, skipBrowser, startE2e, suiteTitle } from './helpers.js';

const WIDE = { width: 1366, height: 768 };
const HOLD_REASON = 'Esperamos el repuesto del panel.';

let e2e: E2e | undefined;
let uploads = '';
const numbers = { fresh: 0, inProgress: 0, pending: 0, resolved: 0 };
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};
const url = (number: number, rest = '') => `${app().baseUrl}/tickets/TKT-${number}${rest}`;

async function signedIn(email: string, viewport: { width: number; height: number }): Promise<Session> {
  const s = await app().newSession({ viewport });
  try {
    await app().signIn(s.page, email);
    return s;
  } catch (error) {
    await s.close();
    throw error;
  }
}

async function statusOf(page: Page): Promise<string | null> {
  return page.locator('main > header .status-badge').textContent();
}

/** True when the element's whole box is on the first screen (no scrolling). */
async function onFirstScreen(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

describe.skipIf(skipBrowser)(suiteTitle('the ticket page'), { timeout: 120_000 }, () => {
  beforeAll(async () => {
    e2e = await startE2e();
    // The demo's tickets (one per state), made through the real lifecycle as bootstrap does.
    uploads = await mkdtemp(path.join(os.tmpdir(), 'centinela-e2e-page-'));
    await seedDemoTickets(e2e.db.prisma, createServices(e2e.ctx, { storage: createLocalStorage(uploads) }).tickets);
    const bySubject = async (subject: string) =>
      (await app().db.prisma.ticket.findFirstOrThrow({ where: { subject }, select: { number: true } })).number;
    numbers.fresh = await bySubject('Cámara fuera de servicio en el depósito');
    numbers.inProgress = await bySubject('La alarma se dispara sola de noche');
    numbers.pending = await bySubject('Sin señal de monitoreo desde la sucursal Centro');
    numbers.resolved = await bySubject('Cambiar la clave del panel de alarma');
  });
  afterAll(async () => {
    await e2e?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  const views = [
    { role: 'client', email: 'cliente@demo.local', ticket: () => numbers.resolved },
    { role: 'support', email: 'soporte@demo.local', ticket: () => numbers.pending },
    { role: 'technician', email: 'tecnico@demo.local', ticket: () => numbers.inProgress },
    { role: 'admin', email: 'admin@demo.local', ticket: () => numbers.fresh },
  ];
  for (const view of views) {
    for (const viewport of [WIDE, NARROW]) {
      it(`as ${view.role} at ${viewport.width} px: one primary action, axe clean, fits the screen`, async () => {
        const s = await signedIn(view.email, viewport);
        try {
          await s.page.goto(url(view.ticket()));
          await checkPage(s.page, s.problems, `ticket-page-${view.role}-${viewport.width}`);
          await s.page.screenshot({ path: `/tmp/ticket-page-${view.role}-${viewport.width}.png`, fullPage: true });
          await expect(s.page.locator('.btn-primary:visible').count()).resolves.toBeLessThanOrEqual(2);
          await expect(
            s.page.locator('.ticket-actions .btn-primary, .solution-card .btn-primary').count(),
          ).resolves.toBe(1);
        } finally {
          await s.close();
        }
      });
    }
  }

  it('the client of a resolved ticket sees the solution once, «Confirmar» first and a labelled scale', async () => {
    const s = await signedIn('cliente@demo.local', NARROW);
    try {
      await s.page.goto(url(numbers.resolved));
      const card = s.page.getByRole('region', { name: 'Solución', exact: true });
      const solution = 'Le enviamos por correo el instructivo';
      await expect(card.textContent()).resolves.toContain(solution);
      const text = (await s.page.locator('main').textContent()) ?? '';
      expect(text.split(solution).length - 1, 'the solution is shown once').toBe(1);
      await expect(
        card.getByRole('button', { name: 'Confirmar', exact: true }).getAttribute('class'),
      ).resolves.toContain('btn-primary');
      await expect(card.getByRole('link', { name: 'Reabrir' }).getAttribute('class')).resolves.toContain(
        'btn-outline-secondary',
      );
      const scale = card.getByRole('group', { name: '¿Cómo fue la atención? (opcional)' });
      await expect(scale.getByLabel('5 Excelente').count()).resolves.toBe(1);
      await expect(scale.getByLabel('1 Muy mala').count()).resolves.toBe(1);
    } finally {
      await s.close();
    }
  });

  it('support sees the technician’s proposal as a proposal, and edits the properties in one form', async () => {
    const s = await signedIn('soporte@demo.local', WIDE);
    try {
      await s.page.goto(url(numbers.pending));
      const proposal = s.page.locator('article.comment-proposal');
      await expect(proposal.count()).resolves.toBe(1);
      await expect(proposal.textContent()).resolves.toContain('Propuesta de solución');
      await expect(proposal.textContent()).resolves.toContain('El comunicador GPRS había perdido el chip');
      const form = s.page.locator('form[action$="/properties"]');
      for (const label of ['Prioridad', 'Categoría', 'Departamento']) {
        await expect(form.getByLabel(label, { exact: true }).count()).resolves.toBe(1);
      }
      await form.getByLabel('Prioridad').selectOption({ label: 'Media' });
      await Promise.all([s.page.waitForEvent('load'), form.getByRole('button', { name: 'Guardar cambios' }).click()]);
      await expect(s.page.locator('main > .alert').first().textContent()).resolves.toContain('Clasificación guardada');
      await expect(s.page.locator('main > header .priority-badge').textContent()).resolves.toContain('Media');
    } finally {
      await s.close();
    }
  });

  it('on a phone the technician has the primary action and the requester’s contact on the first screen', async () => {
    const s = await signedIn('tecnico@demo.local', NARROW);
    try {
      await s.page.goto(url(numbers.inProgress));
      const primary = s.page.locator('.ticket-actions .btn-primary');
      await expect(primary.textContent()).resolves.toContain('Enviar solución');
      expect(await onFirstScreen(s.page, '.ticket-actions .btn-primary')).toBe(true);
      const call = s.page.locator('.contact-strip a[href^="tel:"]');
      await expect(call.getAttribute('href')).resolves.toBe('tel:+5491155550000');
      expect(await onFirstScreen(s.page, '.contact-strip a[href^="tel:"]')).toBe(true);
      const map = s.page.locator('.contact-strip a', { hasText: 'Ver en el mapa' });
      await expect(map.getAttribute('href')).resolves.toBe(
        'https://www.openstreetmap.org/search?query=Av.%20Corrientes%201234%2C%20CABA',
      );
    } finally {
      await s.close();
    }
  });

  it('an action opens in a dialog; refused, it comes back in its dialog with the text; then it is taken', async () => {
    const s = await signedIn('tecnico@demo.local', WIDE);
    try {
      const { page } = s;
      await page.goto(url(numbers.inProgress));
      const dialog = page.getByRole('dialog', { name: 'Poner en espera' });
      await expect(dialog.isVisible()).resolves.toBe(false);
      await page.locator('.ticket-actions').getByRole('link', { name: 'Poner en espera' }).click();
      await expect(dialog.isVisible()).resolves.toBe(true);
      await checkPage(page, s.problems, 'ticket-page-dialog-hold');
      await page.screenshot({ path: '/tmp/ticket-page-dialog-1366.png' });

      // Refused (the reason is required): the page comes back with this dialog open and modal.
      await dialog.getByLabel('Motivo').fill('   ');
      await Promise.all([page.waitForEvent('load'), dialog.getByRole('button', { name: 'Poner en espera' }).click()]);
      const again = page.getByRole('dialog', { name: 'Poner en espera' });
      await expect(again.isVisible()).resolves.toBe(true);
      await expect(page.evaluate('document.querySelector("#dlg-hold").matches(":modal")')).resolves.toBe(true);
      await expect(again.locator('.invalid-feedback').count()).resolves.toBe(1);

      await again.getByLabel('Motivo').fill(HOLD_REASON);
      await Promise.all([page.waitForEvent('load'), again.getByRole('button', { name: 'Poner en espera' }).click()]);
      await expect(statusOf(page)).resolves.toBe('En espera');
      await expect(page.locator('main').textContent()).resolves.toContain(HOLD_REASON);

      // An action without inputs is one click, no dialog.
      await Promise.all([
        page.waitForEvent('load'),
        page.locator('.ticket-actions').getByRole('button', { name: 'Reanudar' }).click(),
      ]);
      await expect(statusOf(page)).resolves.toBe('En curso');
    } finally {
      await s.close();
    }
  });

  it('without JavaScript, the action button is a page with only that form (plain GET + POST)', async () => {
    const context = await app().browser.newContext({ locale: 'es-AR', viewport: NARROW, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await app().signIn(page, 'tecnico@demo.local');
      await page.goto(url(numbers.inProgress));
      await Promise.all([
        page.waitForURL((u) => u.pathname.endsWith('/actions/hold')),
        page.locator('.ticket-actions').getByRole('link', { name: 'Poner en espera' }).click(),
      ]);
      await expect(page.locator('main form[action$="/actions/hold"]').count()).resolves.toBe(1);
      await expect(page.locator('main form[action*="/actions/"]').count()).resolves.toBe(1);
      await page.screenshot({ path: '/tmp/ticket-page-nojs-action-360.png', fullPage: true });
      await page.getByLabel('Motivo').fill(HOLD_REASON);
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Poner en espera' }).click()]);
      expect(new URL(page.url()).pathname).toBe(`/tickets/TKT-${numbers.inProgress}`);
      await expect(statusOf(page)).resolves.toBe('En espera');

      // The page answers like the POST would: not allowed in this state, not this role, unknown.
      expect((await page.goto(url(numbers.inProgress, '/actions/hold')))?.status()).toBe(409);
      expect((await page.goto(url(numbers.inProgress, '/actions/assign')))?.status()).toBe(403);
      expect((await page.goto(url(numbers.inProgress, '/actions/fly')))?.status()).toBe(404);
      expect((await page.goto(url(numbers.resolved, '/actions/reopen')))?.status()).toBe(404);
    } finally {
      await context.close();
    }
  });
});
