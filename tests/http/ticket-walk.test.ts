// The whole lifecycle over HTTP with the four roles, as LIFECYCLE.md describes it.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { act, comment, numberFromLocation, ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let client: Agent;
let support: Agent;
let tech: Agent;
let categoryId: number;
let technicianId: number;
let number: number;

async function statusOf(n: number) {
  return (await t.db.prisma.ticket.findUniqueOrThrow({ where: { number: n } })).status;
}

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-walk-${process.pid}` });
  const department = await createDepartment(t.db.prisma, 'CCTV');
  const category = await t.db.prisma.category.create({
    data: { name: 'Cámara fuera de servicio', departmentId: department.id },
  });
  categoryId = category.id;
  const clientUser = await createUser(t.db.prisma, { role: 'CLIENT', name: 'Carla Cliente' });
  const supportUser = await createUser(t.db.prisma, { role: 'SUPPORT' });
  const techUser = await createUser(t.db.prisma, { role: 'TECHNICIAN', name: 'Tito Técnico' });
  await t.db.prisma.userDepartment.create({ data: { userId: techUser.id, departmentId: department.id } });
  technicianId = techUser.id;
  client = await loginAs(t.app, clientUser.email);
  support = await loginAs(t.app, supportUser.email);
  tech = await loginAs(t.app, techUser.email);
});
afterAll(async () => {
  await t.close();
  await rm(t.ctx.env.UPLOAD_DIR, { recursive: true, force: true });
});

describe('a camera ticket from filing to closure', () => {
  it('the client files it with an attachment and sees it as Nuevo', async () => {
    const token = await csrfFrom(client, '/tickets/new');
    const res = await client
      .post('/tickets')
      .field('_csrf', token)
      .field('subject', 'Cámara fuera de servicio')
      .field('description', 'La cámara 3 del depósito no graba desde ayer.')
      .field('categoryId', String(categoryId))
      .attach('attachments', Buffer.from('2026-11-20 cam3 offline\n'), 'nvr.log');
    expect(res.status).toBe(302);
    number = numberFromLocation(res.headers.location);
    expect(number).toBeGreaterThanOrEqual(1001);
    const page = await client.get(ticketPath(number));
    expect(page.text).toContain('Cámara fuera de servicio');
    expect(page.text).toContain('Nuevo');
    expect(page.text).toContain('nvr.log');
    const list = await client.get('/tickets');
    expect(list.text).toContain(`TKT-${number}`);
  });

  it('support sees it first in the queue and assigns it to the CCTV technician', async () => {
    const queue = await support.get('/queue');
    expect(queue.text).toContain(`TKT-${number}`);
    const page = await support.get(ticketPath(number));
    expect(page.text).toContain('Tito Técnico');
    expect(page.text).toContain('del departamento');
    const res = await act(support, number, 'assign', {
      categoryId: String(categoryId),
      priority: 'HIGH',
      technicianId: String(technicianId),
    });
    expect(res.status).toBe(302);
    expect(await statusOf(number)).toBe('ASSIGNED');
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    // Assigning says nothing to the client: no first response yet.
    expect(ticket.firstResponseAt).toBeNull();
    expect(ticket.departmentId).not.toBeNull();
    expect((await tech.get('/work')).text).toContain(`TKT-${number}`);
  });

  it('the technician starts it and puts it on hold waiting for the client', async () => {
    expect((await act(tech, number, 'start')).status).toBe(302);
    expect(await statusOf(number)).toBe('IN_PROGRESS');
    expect(
      (await act(tech, number, 'hold', { reason: '¿Nos confirma un horario para visitar el depósito?' })).status,
    ).toBe(302);
    expect(await statusOf(number)).toBe('ON_HOLD');
    const clientPage = await client.get(ticketPath(number));
    expect(clientPage.text).toContain('¿Nos confirma un horario para visitar el depósito?');
  });

  it("the client's reply resumes the ticket by itself", async () => {
    const res = await comment(client, number, 'Mañana de 9 a 12.');
    expect(res.status).toBe(302);
    expect(await statusOf(number)).toBe('IN_PROGRESS');
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.onHoldSince).toBeNull();
    const events = await t.db.prisma.ticketEvent.findMany({ where: { ticketId: ticket.id, action: 'resume' } });
    expect(events).toHaveLength(1);
    expect(events[0]?.actorId).toBeNull();
  });

  it('the technician submits a solution, support rejects it, the technician submits again', async () => {
    expect((await comment(tech, number, 'Fuente de la cámara 3 quemada.', { internal: true })).status).toBe(302);
    expect((await act(tech, number, 'submit_solution', { solution: 'Reinicié el NVR.' })).status).toBe(302);
    expect(await statusOf(number)).toBe('PENDING_VALIDATION');
    expect(
      (await act(support, number, 'reject_solution', { reason: 'Reiniciar no alcanza: revisar la fuente.' })).status,
    ).toBe(302);
    expect(await statusOf(number)).toBe('IN_PROGRESS');
    expect(
      (
        await act(tech, number, 'submit_solution', {
          solution: 'Cambié la fuente de 12 V de la cámara 3; graba otra vez.',
        })
      ).status,
    ).toBe(302);
    expect(await statusOf(number)).toBe('PENDING_VALIDATION');
  });

  it('the client never sees internal notes, the rejection or the unapproved proposal', async () => {
    const page = await client.get(ticketPath(number));
    const history = await client.get(`${ticketPath(number)}?tab=history`);
    for (const text of ['Fuente de la cámara 3 quemada.', 'Reiniciar no alcanza', 'Reinicié el NVR.', 'Nota interna']) {
      expect(page.text).not.toContain(text);
      expect(history.text).not.toContain(text);
    }
    const staffPage = await support.get(ticketPath(number));
    expect(staffPage.text).toContain('Fuente de la cámara 3 quemada.');
    expect(staffPage.text).toContain('Nota interna');
  });

  it('support approves with a public message; the client confirms with a 5 and it is CLOSED', async () => {
    const res = await act(support, number, 'approve_solution', {
      message: 'Cambiamos la fuente de la cámara 3; ya graba. Confírmenos por favor.',
    });
    expect(res.status).toBe(302);
    expect(await statusOf(number)).toBe('RESOLVED');
    const clientPage = await client.get(ticketPath(number));
    expect(clientPage.text).toContain('Cambiamos la fuente de la cámara 3');
    // The solution card offers the confirmation (with the rating) right under the solution.
    expect(clientPage.text).toContain(`action="${ticketPath(number)}/actions/confirm"`);
    expect(clientPage.text).toContain('>Confirmar</button>');
    expect((await act(client, number, 'confirm', { rating: '5', comment: 'Excelente' })).status).toBe(302);
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('CLOSED');
    expect(ticket.rating).toBe(5);
    expect(ticket.closedAt).not.toBeNull();
    expect(ticket.resolvedAt).not.toBeNull();
  });

  it('the client can reopen within the window; it goes back to the queue', async () => {
    const res = await act(client, number, 'reopen', { reason: 'Volvió a fallar esta mañana.' });
    expect(res.status).toBe(302);
    expect(await statusOf(number)).toBe('REOPENED');
    const queue = await support.get('/queue?status=REOPENED');
    expect(queue.text).toContain(`TKT-${number}`);
  });

  it('every step left an audit event and an outbox row, and the counters add up', async () => {
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    const actions = (
      await t.db.prisma.ticketEvent.findMany({ where: { ticketId: ticket.id, type: 'status' }, orderBy: { id: 'asc' } })
    ).map((event) => event.action);
    expect(actions).toEqual([
      'assign',
      'start',
      'hold',
      'resume',
      'submit_solution',
      'reject_solution',
      'submit_solution',
      'approve_solution',
      'confirm',
      'reopen',
    ]);
    const topics = (
      await t.db.prisma.outboxMessage.findMany({ where: { ticketId: ticket.id }, orderBy: { id: 'asc' } })
    ).map((m) => m.topic);
    expect(topics[0]).toBe('ticket.created');
    expect(topics).toContain('ticket.approve_solution');
    expect(topics).toContain('comment.public');
    const counts = await t.db.prisma.ticketStatusCount.findMany();
    const live = await t.db.prisma.ticket.groupBy({
      by: ['status'],
      where: { deletedAt: null },
      _count: { _all: true },
    });
    for (const row of counts) {
      expect(row.count).toBe(live.find((l) => l.status === row.status)?._count._all ?? 0);
    }
  });

  it('auto-close: a ticket RESOLVED for longer than the built-in rule says is closed by the system', async () => {
    const res = await act(support, number, 'resolve_direct', { message: 'Reemplazamos la cámara completa.' });
    expect(res.status).toBe(302);
    const { fireTimeRules, rules } = t.services;
    expect(await fireTimeRules(new Date())).toBe(0);
    const sixDaysLater = new Date(Date.now() + 6 * 86_400_000);
    expect(await fireTimeRules(sixDaysLater)).toBe(1);
    await rules.drain();
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('CLOSED');
    const last = await t.db.prisma.ticketEvent.findFirstOrThrow({
      where: { ticketId: ticket.id, type: 'status' },
      orderBy: { id: 'desc' },
    });
    expect(last.action).toBe('close');
    expect(last.actorId).toBeNull();
  });
});
