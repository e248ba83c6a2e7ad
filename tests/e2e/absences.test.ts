// Absences in Chromium at 360 px: the technician's and the admin's page fit a phone and are axe
// clean; a refused absence comes back with what was typed; the department form's method select.
// Screenshots: tests/e2e/screenshots/absences-*.png.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { seedDemoTickets } from '../../src/demo/demo-tickets.js';
import { createServices } from '../../src/services.js';
import { checkPage, type E2e, NARROW, skipBrowser, startE2e, suiteTitle } from './helpers.js';

let e2e: E2e | undefined;
let uploads = '';
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('absences'), { timeout: 120_000 }, () => {
  beforeAll(async () => {
    e2e = await startE2e();
    uploads = await mkdtemp(path.join(os.tmpdir(), 'centinela-e2e-absences-'));
    // The demo's upcoming absence and round-robin Monitoreo come with its tickets.
    await seedDemoTickets(e2e.db.prisma, createServices(e2e.ctx, { storage: createLocalStorage(uploads) }).tickets);
  });
  afterAll(async () => {
    await e2e?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('the technician records an absence from the menu; a wrong end is refused with the input kept', async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await app().signIn(page, 'tecnico@demo.local');
      await page.goto(`${app().baseUrl}/absences`);
      await checkPage(page, problems, 'absences-technician-360');
      await page.getByText('Capacitación en fábrica').waitFor();
      await page.getByLabel('Desde').fill('2030-03-10T09:00');
      await page.getByLabel('Hasta').fill('2030-03-09T18:00');
      await page.getByLabel('Nota').fill('Vacaciones');
      await page.getByRole('button', { name: 'Registrar', exact: true }).click();
      await page.getByText('El fin debe ser posterior al inicio.').waitFor();
      expect(await page.getByLabel('Nota').inputValue()).toBe('Vacaciones');
      await page.getByLabel('Hasta').fill('2030-03-20T18:00');
      await page.getByRole('button', { name: 'Registrar', exact: true }).click();
      await page.getByText('Ausencia de Tomás Técnico registrada.').waitFor();
    });
  });

  it('the admin page (technician select) and the department form fit 360 px and are axe clean', async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await app().signIn(page, 'admin@demo.local');
      await page.goto(`${app().baseUrl}/absences`);
      await checkPage(page, problems, 'absences-admin-360');
      await page.goto(`${app().baseUrl}/admin/departments`);
      await page.getByRole('link', { name: 'Monitoreo' }).click();
      expect(await page.getByLabel('Asignación automática').inputValue()).toBe('ROUND_ROBIN');
      await checkPage(page, problems, 'department-form-360');
    });
  });
});
