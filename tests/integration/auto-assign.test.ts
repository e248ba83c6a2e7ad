// Automatic assignment (src/assignment/auto-assign.ts): new and reopened tickets of a department
// go to its technicians by round-robin or least open load, never to an absent or inactive one,
// through the lifecycle's assign action as the system — and a person's choice always wins.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedDemoData } from '../../src/demo/demo.service.js';
import { seedDemoTickets } from '../../src/demo/demo-tickets.js';
import type { AssignMethod } from '../../src/generated/prisma/enums.js';
import { clearReferenceCaches } from '../../src/reference/reference-data.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';

let t: TestApp;
let client: Actor;
let support: Actor;
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-auto-assign-${process.pid}` });
  client = await createUser(t.db.prisma, { role: 'CLIENT' });
  support = await createUser(t.db.prisma, { role: 'SUPPORT' });
});
afterAll(async () => {
  await t.close();
});

/** A department with its method, a category routed to it, and `size` technicians as members. */
async function team(method: AssignMethod, size: number) {
  const { prisma } = t.db;
  const department = await createDepartment(prisma);
  await prisma.department.update({ where: { id: department.id }, data: { assignMethod: method } });
  const category = await prisma.category.create({
    data: { name: `Cat ${department.name}`, departmentId: department.id },
  });
  const technicians = [];
  for (let i = 0; i < size; i++) {
    const technician = await createUser(prisma, { role: 'TECHNICIAN' });
    await prisma.userDepartment.create({ data: { userId: technician.id, departmentId: department.id } });
    technicians.push(technician);
  }
  clearReferenceCaches();
  return { department, categoryId: category.id, technicians };
}

function file(categoryId: number | null, subject = 'Cámara 3 sin imagen') {
  return t.services.tickets.create(
    client,
    { subject, description: 'Desde ayer a la noche.', priority: 'MEDIUM', categoryId, requesterId: null },
    [],
  );
}

const ticketOf = (number: number) => t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });

/** Tickets of the department per technician, for everyone in `ids` (zero included). */
async function assignedCounts(categoryId: number, ids: number[]) {
  const rows = await t.db.prisma.ticket.groupBy({
    by: ['assigneeId'],
    where: { categoryId },
    _count: { _all: true },
  });
  const counts = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const row of rows) if (row.assigneeId !== null) counts[row.assigneeId] = row._count._all;
  return counts;
}

async function act(actor: Actor, number: number, action: string, input: Record<string, unknown> = {}) {
  const { version } = await ticketOf(number);
  await t.services.tickets.transitionTicket(actor, number, action as never, { version, ...input } as never);
}

describe('the assignment is the system taking the assign action', () => {
  // First in the file: the outbox drained below holds only this ticket's notifications.
  it('moves the ticket to ASSIGNED, with the history saying the system assigned it', async () => {
    const { categoryId, technicians } = await team('ROUND_ROBIN', 1);
    const number = await file(categoryId);
    const ticket = await ticketOf(number);
    expect(ticket).toMatchObject({ status: 'ASSIGNED', assigneeId: technicians[0]?.id, version: 2 });
    const events = await t.db.prisma.ticketEvent.findMany({ where: { ticketId: ticket.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.type, e.action, e.actorId, e.to])).toEqual([
      ['created', null, client.id, 'NEW'],
      ['status', 'assign', null, 'ASSIGNED'],
      ['assigned', 'assign', null, technicians[0]?.name],
    ]);
    const load = await t.db.prisma.technicianLoad.findUnique({ where: { userId: technicians[0]?.id as number } });
    expect(load?.openCount).toBe(1);
    // The technician hears of it like any assignment (the bell).
    await t.services.mailWorker.drain();
    const bell = await t.db.prisma.notification.findMany({ where: { userId: technicians[0]?.id as number } });
    expect(bell.map((n) => [n.kind, n.ticketId])).toEqual([['assigned', ticket.id]]);
  });

  it('leaves alone a ticket of a manual department, one without a category, or when nobody is available', async () => {
    const { prisma } = t.db;
    const manual = await team('MANUAL', 2);
    const auto = await team('ROUND_ROBIN', 1);
    await prisma.userAbsence.create({
      data: { userId: auto.technicians[0]?.id as number, startsAt: new Date(), endsAt: new Date(Date.now() + HOUR) },
    });
    for (const categoryId of [manual.categoryId, null, auto.categoryId]) {
      const ticket = await ticketOf(await file(categoryId));
      expect(ticket).toMatchObject({ status: 'NEW', assigneeId: null, version: 1 });
    }
    const number = await file(manual.categoryId);
    expect(await t.services.tickets.assignByDepartment(number)).toEqual({ skipped: 'manual' });
    expect(await t.services.tickets.assignByDepartment(await file(null))).toEqual({ skipped: 'no_department' });
    expect(await t.services.tickets.assignByDepartment(await file(auto.categoryId))).toEqual({
      skipped: 'no_one_available',
    });
  });
});

describe('round-robin', () => {
  it('1,000 tickets created (ten at a time) over 5 technicians: each gets 200, none picked twice at once', async () => {
    const { categoryId, technicians } = await team('ROUND_ROBIN', 5);
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => file(categoryId)));
    }
    const counts = Object.values(
      await assignedCounts(
        categoryId,
        technicians.map((x) => x.id),
      ),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    const unassigned = await t.db.prisma.ticket.count({ where: { categoryId, assigneeId: null } });
    expect(unassigned).toBe(0);
  }, 300_000);

  it('takes turns in id order and skips an absent or inactive technician', async () => {
    const { prisma } = t.db;
    const { categoryId, technicians } = await team('ROUND_ROBIN', 4);
    const [a, b, c, d] = technicians.map((x) => x.id) as [number, number, number, number];
    await prisma.userAbsence.create({
      data: { userId: b, startsAt: new Date(Date.now() - HOUR), endsAt: new Date(Date.now() + HOUR) },
    });
    // An absence that is over, or not started yet, does not count.
    await prisma.userAbsence.createMany({
      data: [
        { userId: c, startsAt: new Date(Date.now() - 3 * HOUR), endsAt: new Date(Date.now() - HOUR) },
        { userId: c, startsAt: new Date(Date.now() + HOUR), endsAt: new Date(Date.now() + 3 * HOUR) },
      ],
    });
    await prisma.user.update({ where: { id: d }, data: { isActive: false } });
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await ticketOf(await file(categoryId))).assigneeId);
    expect(got).toEqual([a, c, a, c]);
  });
});

describe('least open load', () => {
  it('never assigns to an absent technician and evens out the loads, counting what they already hold', async () => {
    const { prisma } = t.db;
    const { categoryId, technicians } = await team('LEAST_LOADED', 5);
    const [busy, away, ...rest] = technicians.map((x) => x.id) as number[];
    await prisma.userAbsence.create({
      data: {
        userId: away as number,
        startsAt: new Date(Date.now() - HOUR),
        endsAt: new Date(Date.now() + 24 * HOUR),
        note: 'Vacaciones',
      },
    });
    // `busy` already holds 6 tickets, handed over by support by hand.
    const manual = await team('MANUAL', 0);
    for (let i = 0; i < 6; i++) {
      const number = await file(manual.categoryId);
      await act(support, number, 'assign', {
        categoryId: manual.categoryId,
        priority: 'MEDIUM',
        technicianId: busy,
        departmentId: null,
      });
    }
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => file(categoryId)));
    }
    const counts = await assignedCounts(
      categoryId,
      technicians.map((x) => x.id),
    );
    expect(counts[away as number]).toBe(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(300);
    // 300 + 6 over the 4 present: 76 or 77 open each, `busy` counting its 6 manual ones.
    const loads = await prisma.technicianLoad.findMany({ where: { userId: { in: [busy as number, ...rest] } } });
    const open = loads.map((row) => row.openCount);
    expect(open).toHaveLength(4);
    expect(Math.max(...open) - Math.min(...open)).toBeLessThanOrEqual(1);
    expect(counts[busy as number]).toBeLessThan(counts[rest[0] as number] as number);
  }, 180_000);
});

describe('a person always wins', () => {
  it('a manual assignment made before the automatic one stands: nothing overwritten, nothing added', async () => {
    const { prisma } = t.db;
    const { department, categoryId, technicians } = await team('MANUAL', 2);
    const number = await file(categoryId);
    await act(support, number, 'assign', {
      categoryId,
      priority: 'HIGH',
      technicianId: technicians[1]?.id,
      departmentId: null,
    });
    const before = await ticketOf(number);
    const eventsBefore = await prisma.ticketEvent.count({ where: { ticketId: before.id } });
    await prisma.department.update({ where: { id: department.id }, data: { assignMethod: 'ROUND_ROBIN' } });
    expect(await t.services.tickets.assignByDepartment(number, { version: 1 })).toEqual({ skipped: 'not_waiting' });
    expect(await t.services.tickets.assignByDepartment(number)).toEqual({ skipped: 'not_waiting' });
    const after = await ticketOf(number);
    expect(after).toMatchObject({ assigneeId: technicians[1]?.id, version: before.version, priority: 'HIGH' });
    expect(await prisma.ticketEvent.count({ where: { ticketId: before.id } })).toBe(eventsBefore);
  });

  it('a ticket support already touched (still new) is left to them when the creation is followed up', async () => {
    const { prisma } = t.db;
    const { department, categoryId } = await team('MANUAL', 1);
    const number = await file(categoryId);
    const ticket = await ticketOf(number);
    await t.services.tickets.updateProperties(support, number, {
      version: ticket.version,
      categoryId,
      priority: 'CRITICAL',
      departmentId: department.id,
      technicianId: null,
      reason: null,
    });
    await prisma.department.update({ where: { id: department.id }, data: { assignMethod: 'ROUND_ROBIN' } });
    expect(await t.services.tickets.assignByDepartment(number, { version: 1 })).toEqual({ skipped: 'changed' });
    expect(await ticketOf(number)).toMatchObject({ status: 'NEW', assigneeId: null });
  });
  it('racing a person on the same tickets, one of the two assigns each, never both, and the loads stay true', async () => {
    const { prisma } = t.db;
    const { department, categoryId, technicians } = await team('MANUAL', 3);
    const chosen = technicians[2]?.id as number;
    const numbers = [];
    for (let i = 0; i < 20; i++) numbers.push(await file(categoryId));
    await prisma.department.update({ where: { id: department.id }, data: { assignMethod: 'ROUND_ROBIN' } });
    const outcomes = await Promise.all(
      numbers.map(async (number) => {
        const [auto, manual] = await Promise.allSettled([
          t.services.tickets.assignByDepartment(number, { version: 1 }),
          t.services.tickets.transitionTicket(support, number, 'assign', {
            version: 1,
            categoryId,
            priority: 'HIGH',
            technicianId: chosen,
            departmentId: null,
          }),
        ]);
        return { number, auto, manual };
      }),
    );
    for (const { number, auto, manual } of outcomes) {
      const ticket = await prisma.ticket.findUniqueOrThrow({ where: { number } });
      const assigns = await prisma.ticketEvent.count({
        where: { ticketId: ticket.id, type: 'status', action: 'assign' },
      });
      expect(assigns, `TKT-${number}`).toBe(1);
      expect(ticket.status).toBe('ASSIGNED');
      if (manual.status === 'fulfilled') {
        // The person's choice stands; the system stepped aside.
        expect(ticket.assigneeId).toBe(chosen);
        expect(auto).toMatchObject({ status: 'fulfilled', value: { skipped: expect.any(String) } });
      } else {
        // The system was first: the person's stale form is refused ("changed while you were editing").
        expect(auto).toMatchObject({ status: 'fulfilled', value: { assigned: { id: ticket.assigneeId } } });
      }
    }
    for (const technician of technicians) {
      const counted = await prisma.ticket.count({ where: { assigneeId: technician.id, status: 'ASSIGNED' } });
      const load = await prisma.technicianLoad.findUnique({ where: { userId: technician.id } });
      expect(load?.openCount ?? 0).toBe(counted);
    }
  }, 60_000);
});

describe('reopen', () => {
  /** Auto-assigned, worked, resolved and reopened by the client. */
  async function resolvedThenReopened(categoryId: number, beforeReopen?: (assigneeId: number) => Promise<void>) {
    const number = await file(categoryId);
    const { assigneeId } = await ticketOf(number);
    const technician = await t.db.prisma.user.findUniqueOrThrow({ where: { id: assigneeId as number } });
    await act(technician, number, 'start');
    await act(technician, number, 'submit_solution', { solution: 'Cambié la fuente.' });
    await act(support, number, 'approve_solution', { message: 'Resuelto: fuente nueva.' });
    await beforeReopen?.(assigneeId as number);
    await act(client, number, 'reopen', { reason: 'Volvió a fallar.' });
    return { number, first: assigneeId as number };
  }

  it('gives a reopened ticket back to the technician who had it', async () => {
    const { categoryId } = await team('ROUND_ROBIN', 3);
    const { number, first } = await resolvedThenReopened(categoryId);
    const ticket = await ticketOf(number);
    expect(ticket).toMatchObject({ status: 'ASSIGNED', assigneeId: first });
    const last = await t.db.prisma.ticketEvent.findFirst({
      where: { ticketId: ticket.id, type: 'status' },
      orderBy: { id: 'desc' },
    });
    expect(last).toMatchObject({ action: 'assign', actorId: null, from: 'REOPENED', to: 'ASSIGNED' });
  });

  it('by the method when that technician is absent now', async () => {
    const { categoryId } = await team('ROUND_ROBIN', 3);
    const { number, first } = await resolvedThenReopened(categoryId, async (assigneeId) => {
      await t.db.prisma.userAbsence.create({
        data: { userId: assigneeId, startsAt: new Date(Date.now() - HOUR), endsAt: new Date(Date.now() + HOUR) },
      });
    });
    const ticket = await ticketOf(number);
    expect(ticket.status).toBe('ASSIGNED');
    expect(ticket.assigneeId).not.toBe(first);
    expect(ticket.assigneeId).not.toBeNull();
  });
});

describe('the demo data', () => {
  it('hands out Monitoreo by turns: its newest alarm is assigned by the system, and an absence is upcoming', async () => {
    const { prisma } = t.db;
    await seedDemoData(prisma, { password: 'demo password 2026' });
    await seedDemoTickets(prisma, t.services.tickets, t.services.sla);
    const monitoring = await prisma.department.findUniqueOrThrow({ where: { name: 'Monitoreo' } });
    expect(monitoring.assignMethod).toBe('ROUND_ROBIN');
    const technician = await prisma.user.findUniqueOrThrow({ where: { email: 'tecnico@demo.local' } });
    const ticket = await prisma.ticket.findFirstOrThrow({
      where: { subject: 'Batería baja en el panel de la sucursal Sur' },
      include: { events: { where: { type: 'assigned' } } },
    });
    expect(ticket).toMatchObject({ status: 'ASSIGNED', assigneeId: technician.id });
    expect(ticket.events.map((e) => e.actorId)).toEqual([null]);
    // The tickets support assigns by hand in the demo kept their states.
    const fresh = await prisma.ticket.findFirstOrThrow({
      where: { subject: 'Cámara fuera de servicio en el depósito' },
    });
    expect(fresh.status).toBe('NEW');
    const [absence] = await prisma.userAbsence.findMany({ where: { userId: technician.id } });
    expect(absence?.startsAt.getTime()).toBeGreaterThan(Date.now());
  });
});

describe('when the automatic assignment fails', () => {
  it('the ticket is still created (left new, unassigned) and the failure is logged', async () => {
    const { categoryId } = await team('ROUND_ROBIN', 2);
    let fail = true;
    // A subscriber of "ticket changed" that breaks the system's assignment: its transaction rolls back.
    t.services.ticketChanges.subscribe(async (_tx, change) => {
      if (fail && change.kind === 'transition' && change.action === 'assign' && change.actorId === null) {
        throw new Error('subscriber down');
      }
    });
    const logged = vi.spyOn(t.ctx.logger, 'error');
    try {
      const number = await file(categoryId);
      expect(await ticketOf(number)).toMatchObject({ status: 'NEW', assigneeId: null, version: 1 });
      expect(logged).toHaveBeenCalledWith(
        expect.objectContaining({ ticket: number, err: expect.any(Error) }),
        'automatic assignment failed',
      );
    } finally {
      fail = false;
      logged.mockRestore();
    }
  });

  it('a failure that does not repeat (a lock timing out once) is tried again and the ticket assigned', async () => {
    const { categoryId, technicians } = await team('ROUND_ROBIN', 1);
    let failures = 1;
    t.services.ticketChanges.subscribe(async (_tx, change) => {
      if (failures > 0 && change.kind === 'transition' && change.action === 'assign' && change.actorId === null) {
        failures--;
        throw new Error('lock timeout');
      }
    });
    const number = await file(categoryId);
    expect(await ticketOf(number)).toMatchObject({ status: 'ASSIGNED', assigneeId: technicians[0]?.id });
  });
});
