// The ticket lifecycle clicked through the real pages in Chromium, in Spanish, as each demo role:
// cliente files → soporte derives → técnico works (hold, auto-resume, internal note, solution) →
// soporte rejects, then approves → cliente confirms with a 5, then reopens. Every list and ticket
// page visited is screenshotted (tests/e2e/screenshots/<role>-<page>.png) and must pass axe, the
// CSP/console checks and the no-sideways-scrolling check. tests/http/ticket-walk.test.ts is the
// same walk over HTTP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPage,
  type E2e,
  NARROW,
  type PageProblems,
  type Session,
  skipBrowser,
  startE2e,
  suiteTitle,
} from './helpers.js';

const SUBJECT = 'Cámara fuera de servicio';
const DESCRIPTION = 'La cámara 3 del depósito no graba desde ayer a la tarde.';
const CATEGORY = 'Cámara fuera de servicio';
const TECHNICIAN = 'Tomás Técnico';
const PNG_NAME = 'camara-3.png';
const HOLD_REASON = '¿Nos confirma un horario para visitar el depósito?';
const CLIENT_REPLY = 'Mañana de 9 a 12 hay alguien en el depósito.';
const INTERNAL_NOTE = 'Fuente de la cámara 3 quemada; llevar una de repuesto.';
const FIRST_SOLUTION = 'Reinicié el NVR.';
const REJECT_REASON = 'Reiniciar no alcanza: revisar la fuente.';
const SECOND_SOLUTION = 'Cambié la fuente de 12 V de la cámara 3; graba otra vez.';
const PUBLIC_MESSAGE = 'Cambiamos la fuente de la cámara 3; ya graba. Confírmenos por favor.';
const REOPEN_REASON = 'Volvió a fallar esta mañana.';
/** Text the client must never see, on any page. */
const STAFF_ONLY = ['Nota interna', INTERNAL_NOTE, REJECT_REASON, FIRST_SOLUTION];

let e2e: E2e | undefined;
let client: Session | undefined;
let support: Session | undefined;
let tech: Session | undefined;
let tmpDir = '';
let pngPath = '';
let ticketNumber = '';

const app = () => {
  if (!e2e) throw new Error('the app and browser did not start');
  return e2e;
};
const session = (s: Session | undefined, role: string) => {
  if (!s) throw new Error(`${role} did not sign in (an earlier step failed)`);
  return s;
};

// Each step visits several pages, and axe takes a moment on each (step 6 took over 90 s on a
// 2-core machine shared at load 20).
describe.skipIf(skipBrowser)(suiteTitle('ticket lifecycle in the browser'), { timeout: 180_000 }, () => {
  beforeAll(async () => {
    e2e = await startE2e();
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-e2e-walk-'));
    pngPath = path.join(tmpDir, PNG_NAME);
    await writeFile(pngPath, makePng(16, 12));
  });

  afterAll(async () => {
    for (const s of [client, support, tech]) await s?.close();
    await e2e?.close();
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  });

  it('1. the client files a ticket with a picture and sees it as Nuevo', async () => {
    client = await signedIn('cliente@demo.local');
    const { page, problems } = client;
    expect(new URL(page.url()).pathname).toBe('/tickets');
    await checkClientPage(page, problems, 'client-list-empty');

    await navLink(page, 'Nuevo ticket').click();
    await page.waitForURL((url) => url.pathname === '/tickets/new');
    await checkClientPage(page, problems, 'client-new-ticket');
    await page.getByLabel('Asunto').fill(SUBJECT);
    await page.getByLabel('Descripción').fill(DESCRIPTION);
    await page.getByLabel('Categoría').selectOption({ label: CATEGORY });
    await page.getByLabel('Adjuntos').setInputFiles(pngPath);
    await submit(page, page.getByRole('button', { name: 'Enviar ticket' }));

    const match = /^\/tickets\/(TKT-\d+)$/.exec(new URL(page.url()).pathname);
    expect(match, `landed on ${page.url()}`).not.toBeNull();
    ticketNumber = match?.[1] ?? '';
    await expectFlash(page, `Ticket ${ticketNumber} creado.`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(SUBJECT);
    await expectStatus(page, 'Nuevo');
    await expect(page.getByRole('link', { name: PNG_NAME }).count()).resolves.toBe(1);
    await checkClientPage(page, problems, 'client-ticket-new');

    await page.getByRole('link', { name: 'Mis tickets' }).first().click();
    await page.waitForURL((url) => url.pathname === '/tickets');
    await expect(ticketRow(page).count()).resolves.toBe(1);
    await checkClientPage(page, problems, 'client-list');
  });

  it('2. support finds it in the queue and derives it to Tomás Técnico with priority Alta', async () => {
    support = await signedIn('soporte@demo.local');
    const { page, problems } = support;
    expect(new URL(page.url()).pathname).toBe('/queue');
    await checkPage(page, problems, 'support-queue-new');
    await openTicketFromList(page);
    await expectStatus(page, 'Nuevo');
    await checkPage(page, problems, 'support-ticket-new');

    const form = await actionForm(page, 'Derivar a un técnico');
    await form.getByLabel('Categoría').selectOption({ label: CATEGORY });
    await form.getByLabel('Prioridad').selectOption({ label: 'Alta' });
    const technician = form.getByLabel('Técnico', { exact: true });
    const option = technician.locator('option', { hasText: TECHNICIAN });
    await expect(option.count()).resolves.toBe(1);
    await technician.selectOption((await option.getAttribute('value')) ?? '');
    await submit(page, form.getByRole('button', { name: 'Derivar' }));
    await expectFlash(page, `${ticketNumber} derivado.`);
    await expectStatus(page, 'Derivado');
    await expect(page.locator('main > header .priority-badge').textContent()).resolves.toContain('Alta');
    await checkPage(page, problems, 'support-ticket-assigned');
  });

  it('3. the technician starts it from Mi trabajo and puts it on hold', async () => {
    tech = await signedIn('tecnico@demo.local');
    const { page, problems } = tech;
    expect(new URL(page.url()).pathname).toBe('/work');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Mi trabajo');
    await checkPage(page, problems, 'technician-work');
    await openTicketFromList(page);
    await expectStatus(page, 'Derivado');
    await checkPage(page, problems, 'technician-ticket-assigned');

    // An action without inputs is a single button in the row, no dialog.
    await submit(page, page.locator('.ticket-actions').getByRole('button', { name: 'Comenzar' }));
    await expectFlash(page, `Trabajo iniciado en ${ticketNumber}.`);
    await expectStatus(page, 'En curso');

    const hold = await actionForm(page, 'Poner en espera');
    await hold.getByLabel('Motivo').fill(HOLD_REASON);
    await submit(page, hold.getByRole('button', { name: 'Poner en espera' }));
    await expectFlash(page, `${ticketNumber} en espera.`);
    await expectStatus(page, 'En espera');
    await checkPage(page, problems, 'technician-ticket-on-hold');
  });

  it('4. the client sees why it waits, replies, and the ticket is En curso again', async () => {
    const clientSession = session(client, 'the client');
    const { page, problems } = clientSession;
    await goToList(clientSession, 'client-list-on-hold');
    await openTicketFromList(page);
    await expectStatus(page, 'En espera');
    await expect(page.locator('main').textContent()).resolves.toContain(HOLD_REASON);
    await checkClientPage(page, problems, 'client-ticket-on-hold');

    const reply = page.getByRole('region', { name: 'Responder' });
    await reply.getByLabel('Mensaje').fill(CLIENT_REPLY);
    await submit(page, reply.getByRole('button', { name: 'Enviar' }));
    await expectFlash(page, 'Mensaje enviado.');
    await expectStatus(page, 'En curso');
    await expect(page.locator('main').textContent()).resolves.toContain(CLIENT_REPLY);
    await checkClientPage(page, problems, 'client-ticket-resumed');
  });

  it('5. the technician adds an internal note and submits a solution', async () => {
    const techSession = session(tech, 'the technician');
    const { page, problems } = techSession;
    await goToList(techSession, 'technician-work-in-progress');
    await openTicketFromList(page);
    await expectStatus(page, 'En curso');
    await expect(page.locator('main').textContent()).resolves.toContain(CLIENT_REPLY);

    const reply = page.getByRole('region', { name: 'Responder' });
    await reply.getByLabel('Mensaje').fill(INTERNAL_NOTE);
    await reply.getByLabel('Nota interna (el cliente no la ve)').check();
    await submit(page, reply.getByRole('button', { name: 'Enviar' }));
    await expectFlash(page, 'Nota interna agregada.');
    const note = page.locator('article.comment-internal');
    await expect(note.textContent()).resolves.toContain(INTERNAL_NOTE);
    await expect(note.textContent()).resolves.toContain('Nota interna');
    await checkPage(page, problems, 'technician-ticket-note');

    await submitSolution(page, FIRST_SOLUTION);
    await checkPage(page, problems, 'technician-ticket-pending');
  });

  it('6. support rejects the solution, the technician submits again, support approves it', async () => {
    const supportPage = session(support, 'support');
    const { page, problems } = supportPage;
    await goToList(supportPage, 'support-queue-pending');
    await openTicketFromList(page);
    await expectStatus(page, 'Solución propuesta');
    await expect(page.locator('main').textContent()).resolves.toContain(INTERNAL_NOTE);
    await checkPage(page, problems, 'support-ticket-pending');
    const reject = await actionForm(page, 'Rechazar la solución');
    await reject.getByLabel('Motivo').fill(REJECT_REASON);
    await submit(page, reject.getByRole('button', { name: 'Rechazar' }));
    await expectFlash(page, 'Solución rechazada; el ticket volvió al técnico.');
    await expectStatus(page, 'En curso');
    await checkPage(page, problems, 'support-ticket-rejected');

    const techPage = session(tech, 'the technician');
    await goToList(techPage, 'technician-work-rejected');
    await openTicketFromList(techPage.page);
    await expectStatus(techPage.page, 'En curso');
    await expect(techPage.page.locator('main').textContent()).resolves.toContain(REJECT_REASON);
    await checkPage(techPage.page, techPage.problems, 'technician-ticket-rejected');
    await submitSolution(techPage.page, SECOND_SOLUTION);

    await goToList(supportPage, 'support-queue-pending-again');
    await openTicketFromList(page);
    await expectStatus(page, 'Solución propuesta');
    const approve = await actionForm(page, 'Aprobar y comunicar');
    const message = approve.getByLabel('Mensaje para el cliente');
    // Prefilled with the technician's latest solution, to reuse or edit.
    await expect(message.inputValue()).resolves.toBe(SECOND_SOLUTION);
    await message.fill(PUBLIC_MESSAGE);
    await submit(page, approve.getByRole('button', { name: 'Aprobar' }));
    await expectFlash(page, 'Solución aprobada y comunicada al cliente.');
    await expectStatus(page, 'Resuelto');
    await checkPage(page, problems, 'support-ticket-resolved');
  });

  it('7. the client sees the solution, confirms with a 5 (Cerrado), then reopens it (Reabierto)', async () => {
    const clientSession = session(client, 'the client');
    const { page, problems } = clientSession;
    // A resolved ticket leaves the «Abiertos» tab…
    await goToList(clientSession, 'client-list-resolved', false);
    // …and waits in «Resueltos» for the client's confirmation.
    await page.getByRole('link', { name: 'Resueltos' }).click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'resolved');
    await checkClientPage(page, problems, 'client-list-resolved-tab');
    await openTicketFromList(page);
    await expectStatus(page, 'Resuelto');
    const solution = page.getByRole('region', { name: 'Solución', exact: true });
    await expect(solution.textContent()).resolves.toContain(PUBLIC_MESSAGE);
    await checkClientPage(page, problems, 'client-ticket-resolved');

    // The confirmation sits under the solution: a labelled scale, «Confirmar» primary.
    const confirm = solution;
    await confirm.getByText('Excelente').click();
    await expect(confirm.getByLabel('5 Excelente').isChecked()).resolves.toBe(true);
    await submit(page, confirm.getByRole('button', { name: 'Confirmar', exact: true }));
    await expectFlash(page, `¡Gracias! ${ticketNumber} quedó cerrado.`);
    await expectStatus(page, 'Cerrado');
    await expect(solution.textContent()).resolves.toContain('Calificación del cliente: 5 de 5');
    await checkClientPage(page, problems, 'client-ticket-closed');

    const reopen = await actionForm(page, 'Reabrir');
    await reopen.getByLabel('Motivo').fill(REOPEN_REASON);
    await submit(page, reopen.getByRole('button', { name: 'Reabrir' }));
    await expectFlash(page, `${ticketNumber} reabierto; soporte lo revisará.`);
    await expectStatus(page, 'Reabierto');
    await checkClientPage(page, problems, 'client-ticket-reopened');

    // Nor in the history tab, nor in the list.
    await page.getByRole('link', { name: 'Historial' }).click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'history');
    await checkClientPage(page, problems, 'client-ticket-history');
    await goToList(clientSession, 'client-list-reopened');
  });

  it('8. support sees it back in the queue as Reabierto', async () => {
    const { page, problems } = session(support, 'support');
    await page.goto(`${app().baseUrl}/queue?status=REOPENED`);
    await expect(ticketRow(page).count()).resolves.toBe(1);
    await checkPage(page, problems, 'support-queue-reopened');
    await openTicketFromList(page);
    await expectStatus(page, 'Reabierto');
    await checkPage(page, problems, 'support-ticket-reopened');
  });

  it(`9. the client's pages fit in ${NARROW.width} px`, async () => {
    const narrow = await signedIn('cliente@demo.local', NARROW);
    try {
      const { page, problems } = narrow;
      expect(new URL(page.url()).pathname).toBe('/tickets');
      await checkClientPage(page, problems, `client-list-${NARROW.width}`);
      // The menu is collapsed behind the toggler at this width.
      await page.getByRole('button', { name: 'Mostrar u ocultar el menú' }).click();
      await navLink(page, 'Nuevo ticket').click();
      await page.waitForURL((url) => url.pathname === '/tickets/new');
      await checkClientPage(page, problems, `client-new-ticket-${NARROW.width}`);
      await page.goto(`${app().baseUrl}/tickets/${ticketNumber}`);
      await expectStatus(page, 'Reabierto');
      await checkClientPage(page, problems, `client-ticket-${NARROW.width}`);
      await page.goto(`${app().baseUrl}/tickets/${ticketNumber}?tab=history`);
      await checkClientPage(page, problems, `client-ticket-history-${NARROW.width}`);
    } finally {
      await narrow.close();
    }
  });
});

/** A new browser context signed in as a demo account. */
async function signedIn(email: string, viewport?: { width: number; height: number }): Promise<Session> {
  const s = await app().newSession({ viewport });
  try {
    await app().signIn(s.page, email);
    return s;
  } catch (error) {
    await s.close();
    throw error;
  }
}

function navLink(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Navegación principal' }).getByRole('link', { name, exact: true });
}

/** The role's home list, through the brand link (every role's home is its list), checked and screenshotted. */
async function goToList({ page, problems }: Session, screenshot: string, listed = true): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Centinela', exact: true }).click()]);
  await expect(ticketRow(page).count()).resolves.toBe(listed ? 1 : 0);
  await (screenshot.startsWith('client-') ? checkClientPage : checkPage)(page, problems, screenshot);
}

function ticketRow(page: Page): Locator {
  return page.locator('table.ticket-table tbody tr').filter({ hasText: ticketNumber });
}

async function openTicketFromList(page: Page): Promise<void> {
  await ticketRow(page).getByRole('link', { name: ticketNumber, exact: true }).click();
  await page.waitForURL((url) => url.pathname === `/tickets/${ticketNumber}`);
  await page.waitForLoadState('load');
}

/** Opens one lifecycle action's dialog from the row of action buttons; returns the dialog. */
async function actionForm(page: Page, title: string): Promise<Locator> {
  await page.locator('.ticket-actions').getByRole('link', { name: title, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: title, exact: true });
  await expect(dialog.isVisible()).resolves.toBe(true);
  return dialog;
}

/** Clicks a submit button and waits for the page the server answers with (after its redirect). */
async function submit(page: Page, button: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

async function expectStatus(page: Page, label: string): Promise<void> {
  await expect(page.locator('main > header .status-badge').textContent()).resolves.toBe(label);
}

async function expectFlash(page: Page, text: string): Promise<void> {
  const flashes = await page.locator('main > .alert').allTextContents();
  expect(
    flashes.some((f) => f.includes(text)),
    `flash «${text}» on ${page.url()}; found: ${JSON.stringify(flashes)}`,
  ).toBe(true);
}

/** Every client page: nothing staff-only on it, then the usual checks. */
async function checkClientPage(page: Page, problems: PageProblems, name: string): Promise<void> {
  await expectNoStaffOnlyText(page);
  await checkPage(page, problems, name);
}

async function expectNoStaffOnlyText(page: Page): Promise<void> {
  const html = await page.content();
  const text = (await page.locator('body').textContent()) ?? '';
  for (const secret of STAFF_ONLY) {
    expect(html, `${page.url()} shows «${secret}» to the client`).not.toContain(secret);
    expect(text, `${page.url()} shows «${secret}» to the client`).not.toContain(secret);
  }
}

async function submitSolution(page: Page, solution: string): Promise<void> {
  const form = await actionForm(page, 'Enviar solución');
  await form.getByLabel('Solución aplicada').fill(solution);
  await submit(page, form.getByRole('button', { name: 'Enviar a validación' }));
  await expectFlash(page, 'Solución enviada a soporte para validar.');
  await expectStatus(page, 'Solución propuesta');
}

/** A valid width × height RGB PNG (a colour gradient). */
function makePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < width; x++) rows.push(Math.floor((x * 255) / width), Math.floor((y * 255) / height), 128);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
