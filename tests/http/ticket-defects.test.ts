// Defects found while rebuilding the ticket wing, each pinned by what a user would notice.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketChange } from '../../src/tickets/ticket-changes.js';
import { type Agent, createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { act, comment, ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let support: Agent;
let clientUser: { id: number; email: string };
let technicianId: number;
let cameras: number;
let alarms: number;
let alarmsDepartment: number;
let cctvDepartment: number;
const changes: TicketChange[] = [];

async function fileTicket(subject: string) {
  return t.services.tickets.create(
    { id: clientUser.id, role: 'CLIENT', organizationId: null, isOrgManager: false },
    { subject, description: 'No anda.', categoryId: cameras, priority: 'MEDIUM', requesterId: null },
    [],
  );
}
const ticketOf = (number: number) => t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-defects-${process.pid}` });
  const { prisma } = t.db;
  const cctv = await createDepartment(prisma, 'CCTV');
  cctvDepartment = cctv.id;
  alarmsDepartment = (await createDepartment(prisma, 'Alarmas')).id;
  cameras = (await prisma.category.create({ data: { name: 'Cámaras', departmentId: cctv.id } })).id;
  alarms = (await prisma.category.create({ data: { name: 'Alarmas', departmentId: alarmsDepartment } })).id;
  clientUser = await createUser(prisma, { role: 'CLIENT', organizationId: null });
  const supportUser = await createUser(prisma, { role: 'SUPPORT' });
  technicianId = (await createUser(prisma, { role: 'TECHNICIAN', name: 'Tina Técnica' })).id;
  support = await loginAs(t.app, supportUser.email);
  t.services.ticketChanges.subscribe(async (_tx, change) => {
    changes.push(change);
  });
});
afterAll(async () => {
  await t.close();
  await rm(t.ctx.env.UPLOAD_DIR, { recursive: true, force: true });
});

describe('assigning with a new category and priority', () => {
  it('records each change in the ticket history, as an edit would', async () => {
    const number = await fileTicket('Sirena que no para');
    const res = await act(support, number, 'assign', {
      categoryId: String(alarms),
      priority: 'CRITICAL',
      technicianId: String(technicianId),
    });
    expect(res.status).toBe(302);
    const ticket = await ticketOf(number);
    const fields = await t.db.prisma.ticketEvent.findMany({
      where: { ticketId: ticket.id, type: 'field' },
      orderBy: { id: 'asc' },
    });
    const byField = Object.fromEntries(fields.map((e) => [(e.data as { field: string }).field, [e.from, e.to]]));
    expect(byField).toEqual({
      categoryId: [String(cameras), String(alarms)],
      priority: ['MEDIUM', 'CRITICAL'],
      // No department chosen: the new category's routes it.
      departmentId: [String(cctvDepartment), String(alarmsDepartment)],
    });
    expect(ticket.departmentId).toBe(alarmsDepartment);
    // …and on the history tab, with who did it.
    const history = await support.get(`${ticketPath(number)}?tab=history`);
    expect(history.text).toContain('Crítica');
  });

  it('tells the "ticket changed" subscribers which fields moved, and to whom', async () => {
    const number = await fileTicket('Domo sin imagen');
    changes.length = 0;
    await act(support, number, 'assign', {
      categoryId: String(cameras),
      priority: 'HIGH',
      technicianId: String(technicianId),
    });
    const change = changes.find((c) => c.kind === 'transition');
    expect(change).toMatchObject({ kind: 'transition', action: 'assign', from: 'NEW', to: 'ASSIGNED', number });
    if (change?.kind !== 'transition') throw new Error('no transition');
    expect(change.fields.map((f) => f.field).sort()).toEqual(['assigneeId', 'priority']);
    expect(change.assigneeId).toBe(technicianId);
  });
});

describe('first response', () => {
  it('is not set by assigning, nor by an internal note, but by the first public message from staff', async () => {
    const number = await fileTicket('NVR sin disco');
    await act(support, number, 'assign', {
      categoryId: String(cameras),
      priority: 'HIGH',
      technicianId: String(technicianId),
    });
    expect((await ticketOf(number)).firstResponseAt).toBeNull();
    await comment(support, number, 'Revisar garantía del disco.', { internal: true });
    expect((await ticketOf(number)).firstResponseAt).toBeNull();
    const before = Date.now();
    await comment(support, number, 'Hola, mañana pasa el técnico.');
    const firstResponseAt = (await ticketOf(number)).firstResponseAt;
    expect(firstResponseAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    // A later reply does not move it.
    await comment(support, number, 'Confirmamos la visita a las 10.');
    expect((await ticketOf(number)).firstResponseAt).toEqual(firstResponseAt);
  });

  it('is the solution message when support solves it directly', async () => {
    const number = await fileTicket('Clave del panel');
    await act(support, number, 'resolve_direct', { message: 'Le enviamos la clave nueva.' });
    expect((await ticketOf(number)).firstResponseAt).not.toBeNull();
  });
});

describe("the queue's default view", () => {
  it('shows the open work, not closed or cancelled tickets; "all" shows them', async () => {
    const open = await fileTicket('Cámara del patio apagada');
    const cancelled = await fileTicket('Pedido duplicado de visita');
    await act(support, cancelled, 'cancel', { reason: 'Duplicado.' });
    const queue = await support.get('/queue');
    expect(queue.text).toContain(`href="${ticketPath(open)}"`);
    expect(queue.text).not.toContain(`href="${ticketPath(cancelled)}"`);
    const all = await support.get('/queue?status=all');
    expect(all.text).toContain(`href="${ticketPath(cancelled)}"`);
    const byStatus = await support.get('/queue?status=CANCELLED');
    expect(byStatus.text).toContain(`href="${ticketPath(cancelled)}"`);
  });
});
