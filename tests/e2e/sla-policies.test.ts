// SLA policy pages in Chromium: the list, the form and the preview pass axe and the CSP and fit a
// phone; the order changes and a policy is saved with the plain forms (no JavaScript needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage, type E2e, NARROW, skipBrowser, startE2e, suiteTitle } from './helpers.js';

let e2e: E2e | undefined;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('SLA policy pages'), () => {
  let ticketNumber = 0;
  beforeAll(async () => {
    e2e = await startE2e();
    const { prisma } = e2e.db;
    const client = await prisma.user.findUniqueOrThrow({ where: { email: 'cliente@demo.local' } });
    const category = await prisma.category.findUniqueOrThrow({ where: { name: 'Cámara fuera de servicio' } });
    const ticket = await prisma.ticket.create({
      data: {
        subject: 'Cámara sin imagen en la sucursal centro, desde la madrugada del martes',
        description: 'Sin imagen.',
        priority: 'HIGH',
        categoryId: category.id,
        departmentId: category.departmentId,
        organizationId: client.organizationId,
        requesterId: client.id,
        createdById: client.id,
        resolutionDueAt: new Date('2026-12-03T15:00:00Z'),
      },
    });
    ticketNumber = ticket.number;
  });

  afterAll(async () => {
    await e2e?.close();
  });

  for (const viewport of [NARROW, { width: 1280, height: 800 }]) {
    it(`lists, edits, reorders and previews policies at ${viewport.width} px`, async () => {
      await app().withPage({ viewport }, async (page, problems) => {
        await app().signIn(page, 'admin@demo.local');
        await page.goto(`${app().baseUrl}/admin/sla`);
        await checkPage(page, problems, `sla-list-${viewport.width}`);
        const names = () => page.locator('.sla-policies h2 a').allTextContents();
        expect(await names()).toEqual(['Crítico', 'Alto', 'Normal']);

        await page.getByRole('button', { name: 'Subir Alto' }).click();
        await page.waitForLoadState('load');
        expect(await names()).toEqual(['Alto', 'Crítico', 'Normal']);
        await page.getByRole('button', { name: 'Bajar Alto' }).click();
        await page.waitForLoadState('load');
        expect(await names()).toEqual(['Crítico', 'Alto', 'Normal']);

        await page.getByLabel('Número de ticket').fill(`TKT-${ticketNumber}`);
        await page.getByRole('button', { name: 'Ver' }).click();
        await page.waitForLoadState('load');
        expect(await page.getByTestId('sla-picked').textContent()).toBe('Alto');
        expect(await page.getByTestId('sla-passed-over').allTextContents()).toEqual([
          'Crítico: exige prioridad Crítica; el ticket tiene Alta.',
        ]);
        await checkPage(page, problems, `sla-preview-${viewport.width}`);

        await page.goto(`${app().baseUrl}/admin/sla`);
        await page.getByRole('link', { name: 'Normal' }).click();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Normal');
        await checkPage(page, problems, `sla-form-${viewport.width}`);
        await page.getByLabel('Llegada al sitio').fill('2d');
        await page.getByRole('button', { name: 'Guardar' }).click();
        await page.waitForLoadState('load');
        expect(await page.getByLabel('Llegada al sitio').inputValue()).toBe('48h');
        await page.getByLabel('Llegada al sitio').fill('');

        await page.getByLabel('Primera respuesta').fill('pronto');
        await page.getByRole('button', { name: 'Guardar' }).click();
        await page.waitForLoadState('load');
        expect(await page.locator('#f-firstResponse-error').textContent()).toContain('Escriba una duración');
        expect(await page.getByLabel('Primera respuesta').inputValue()).toBe('pronto');
        expect(problems.csp).toEqual([]);
      });
    });
  }
});
