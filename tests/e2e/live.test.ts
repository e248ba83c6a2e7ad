// Live updates in a real browser: a client has their ticket open while support replies through
// another path (the service, as another process would). Without a reload, the page says the
// ticket changed and the bell counts the new notification; the centre lists it and opening it
// goes to the ticket. Also at a phone's width. Screenshots in tests/e2e/screenshots/.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketsServiceFor } from '../../src/bootstrap.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { checkPage, type E2e, NARROW, SCREENSHOTS, skipBrowser, startE2e, suiteTitle } from './helpers.js';

let e2e: E2e | undefined;
const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};

describe.skipIf(skipBrowser)(suiteTitle('browser: live notifications'), () => {
  beforeAll(async () => {
    e2e = await startE2e();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('tells an open ticket page about a reply and rings the bell, without a reload', async () => {
    const { prisma } = app().db;
    const client = await prisma.user.findUniqueOrThrow({ where: { email: 'cliente@demo.local' } });
    const support = await prisma.user.findUniqueOrThrow({ where: { email: 'soporte@demo.local' } });
    const tickets = ticketsServiceFor(app().ctx.env, app().db);
    const number = await tickets.create(
      { id: client.id, role: client.role, organizationId: client.organizationId, isOrgManager: client.isOrgManager },
      {
        subject: 'Cámara del depósito sin imagen',
        description: 'Desde el corte de luz.',
        categoryId: null,
        priority: 'HIGH',
        requesterId: client.id,
      },
      [],
    );
    const worker = createAppMailWorker(app().ctx);
    await worker.drain();

    await app().withPage({ viewport: NARROW }, async (page, problems) => {
      await app().signIn(page, client.email);
      await page.goto(`${app().baseUrl}/tickets/TKT-${number}`);
      const bell = page.locator('#nav-bell');
      const badge = page.locator('#nav-bell-count');
      const before = Number(await badge.textContent());
      const notice = page.locator('#live-ticket-updated');
      await expect.poll(() => notice.isHidden()).toBe(true);
      // The stream is open once its first count has arrived.
      await page.locator('body[data-live-state="open"]').waitFor({ state: 'attached' });

      await tickets.addComment(
        { id: support.id, role: support.role, organizationId: null, isOrgManager: false },
        number,
        { body: 'Un técnico pasa hoy a las 15 h.', internal: false },
        [],
      );
      await notice.waitFor({ state: 'visible', timeout: 10_000 });
      await worker.drain();
      await expect.poll(async () => Number(await badge.textContent()), { timeout: 10_000 }).toBe(before + 1);
      expect(await bell.getAttribute('aria-label')).toBe(`Notificaciones: ${before + 1} sin leer`);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'client-ticket-live-360.png'), fullPage: true });
      await checkPage(page, problems, 'client-ticket-live-360');

      // The reload link shows the reply; the centre lists it, and opening it marks it read.
      await notice.getByRole('link').click();
      await page.getByText('Un técnico pasa hoy a las 15 h.').waitFor();
      await bell.click();
      await page.waitForURL('**/notifications');
      await checkPage(page, problems, 'notifications-360');
      await page
        .getByRole('button', { name: `Abrir TKT-${number}` })
        .first()
        .click();
      await page.waitForURL(`**/tickets/TKT-${number}`);
      expect(Number(await badge.textContent())).toBe(before);
    });
    worker.close();
  });
});
