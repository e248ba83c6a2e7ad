// Canned replies in Chromium at 360 px: the staff pages fit a phone and are axe clean, and on a
// ticket «Insertar» fills the reply box in place (the script) and offers the reply's action ticked.
// Screenshots: tests/e2e/screenshots/replies-*.png.
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
let inProgress = 0;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('canned replies'), { timeout: 120_000 }, () => {
  beforeAll(async () => {
    e2e = await startE2e();
    uploads = await mkdtemp(path.join(os.tmpdir(), 'centinela-e2e-replies-'));
    await seedDemoTickets(e2e.db.prisma, createServices(e2e.ctx, { storage: createLocalStorage(uploads) }).tickets);
    inProgress = (
      await e2e.db.prisma.ticket.findFirstOrThrow({
        where: { subject: 'La alarma se dispara sola de noche' },
        select: { number: true },
      })
    ).number;
  });
  afterAll(async () => {
    await e2e?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('the pages fit 360 px and are axe clean, for a technician and for the admin', async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await app().signIn(page, 'tecnico@demo.local');
      await page.goto(`${app().baseUrl}/replies`);
      await checkPage(page, problems, 'replies-list-360');
      await page.goto(`${app().baseUrl}/replies/new`);
      await checkPage(page, problems, 'replies-form-360');
    });
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await app().signIn(page, 'admin@demo.local');
      await page.goto(`${app().baseUrl}/admin/replies`);
      await checkPage(page, problems, 'replies-admin-list-360');
      await page.getByRole('link', { name: 'Pedir más información' }).click();
      await checkPage(page, problems, 'replies-admin-form-360');
    });
  });

  it('«Insertar» fills the box in place and offers the hold ticked', async () => {
    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await app().signIn(page, 'tecnico@demo.local');
      await page.goto(`${app().baseUrl}/tickets/TKT-${inProgress}`);
      await page.getByLabel('Respuesta predefinida').selectOption({ label: 'Pedir más información' });
      await page.locator('#f-body').fill('Buenas noches. ');
      await page.getByRole('button', { name: 'Insertar' }).click();
      await expect.poll(() => page.locator('#f-body').inputValue()).toContain('Hola Carlos Cliente');
      expect(await page.locator('#f-body').inputValue()).toMatch(/^Buenas noches\. Hola Carlos Cliente/);
      // Still the same page: nothing was sent.
      expect(page.url()).toBe(`${app().baseUrl}/tickets/TKT-${inProgress}`);
      const also = page.locator('#f-thenAction');
      await expect(also.isVisible()).resolves.toBe(true);
      await expect(also.isChecked()).resolves.toBe(true);
      await checkPage(page, problems, 'replies-ticket-inserted-360');
    });
  });
});
