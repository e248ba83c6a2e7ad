// The technician picker on the ticket page shows each technician's open load (their live tickets
// in the work statuses), read from counters the writes keep. Driven through the real pages — assign,
// reassign, start, hold, the client's reply, the proposal and its validation, close, reopen, cancel,
// the bin — it must show, after every step, what counting the tickets afresh says.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrationDirectories, migrationsDir } from '../../src/db/migrations.js';
import { workStatuses } from '../../src/tickets/ticket-statuses.js';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { act, comment, numberFromLocation, ticketPath, versionOf } from '../helpers/tickets.js';

let t: TestApp;
let categoryId: number;
let tito: number;
let rosa: number;
let idle: number;
let client: Agent;
let support: Agent;
let admin: Agent;
let titoAgent: Agent;
let rosaAgent: Agent;
/** A new, unassigned ticket: its picker lists every active technician. */
let probe: number;

async function file(subject: string): Promise<number> {
  const token = await csrfFrom(client, '/tickets/new');
  const res = await client
    .post('/tickets')
    .field('_csrf', token)
    .field('subject', subject)
    .field('description', 'La sirena no suena al activar la alarma.');
  expect(res.status).toBe(302);
  return numberFromLocation(res.headers.location);
}

/** Takes an action from the ticket page; it must succeed (redirect back to the ticket). */
async function step(agent: Agent, number: number, action: string, fields: Record<string, string> = {}) {
  const res = await act(agent, number, action, fields);
  expect(res.status, `${action} on ${number}: ${res.text?.slice(0, 200)}`).toBe(302);
}

/** Support's properties form: choosing another technician (with a reason once it is assigned). */
async function chooseTechnician(number: number, technicianId: number, reason = '') {
  const token = await csrfFrom(support, ticketPath(number));
  const res = await support
    .post(`${ticketPath(number)}/properties`)
    .type('form')
    .send({
      _csrf: token,
      version: String(await versionOf(support, number)),
      categoryId: String(categoryId),
      priority: 'HIGH',
      departmentId: '',
      technicianId: String(technicianId),
      reason,
    });
  expect(res.status).toBe(302);
}

async function bin(path: string, formPage: string) {
  const token = await csrfFrom(admin, formPage);
  const res = await admin.post(path).type('form').send({ _csrf: token });
  expect(res.status, path).toBe(302);
}

/** The loads a support agent sees in the picker, by technician id. */
async function pickerLoads(): Promise<Record<number, number>> {
  const page = await support.get(ticketPath(probe));
  expect(page.status).toBe(200);
  const picker = /<select id="p-technicianId"[\s\S]*?<\/select>/.exec(page.text)?.[0] ?? '';
  const options = [...picker.matchAll(/<option value="(\d+)"[^>]*>[^<]* · (-?\d+) abiertos?/g)];
  return Object.fromEntries(options.map((m) => [Number(m[1]), Number(m[2])]));
}

/** Counting the tickets afresh: live, assigned, in a work status. */
async function countedLoads(): Promise<Record<number, number>> {
  const rows = await t.db.prisma.ticket.groupBy({
    by: ['assigneeId'],
    where: { deletedAt: null, status: { in: [...workStatuses] }, assigneeId: { not: null } },
    _count: { _all: true },
  });
  return Object.fromEntries(
    [tito, rosa, idle].map((id) => [id, rows.find((row) => row.assigneeId === id)?._count._all ?? 0]),
  );
}

/** The picker shows what a fresh count says, and that is what the step should have left. */
async function expectLoads(label: string, expected: { tito: number; rosa: number }) {
  const shown = await pickerLoads();
  expect(shown, label).toEqual(await countedLoads());
  expect(shown, label).toEqual({ [tito]: expected.tito, [rosa]: expected.rosa, [idle]: 0 });
}

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-techload-${process.pid}` });
  const { prisma } = t.db;
  const department = await createDepartment(prisma, 'Alarmas');
  categoryId = (await prisma.category.create({ data: { name: 'Sirena', departmentId: department.id } })).id;
  const clientUser = await createUser(prisma, { role: 'CLIENT' });
  const supportUser = await createUser(prisma, { role: 'SUPPORT' });
  const adminUser = await createUser(prisma, { role: 'ADMIN' });
  const titoUser = await createUser(prisma, { role: 'TECHNICIAN', name: 'Tito Técnico' });
  const rosaUser = await createUser(prisma, { role: 'TECHNICIAN', name: 'Rosa Rivas' });
  tito = titoUser.id;
  rosa = rosaUser.id;
  idle = (await createUser(prisma, { role: 'TECHNICIAN', name: 'Ignacio Libre' })).id;
  client = await loginAs(t.app, clientUser.email);
  support = await loginAs(t.app, supportUser.email);
  admin = await loginAs(t.app, adminUser.email);
  titoAgent = await loginAs(t.app, titoUser.email);
  rosaAgent = await loginAs(t.app, rosaUser.email);
  probe = await file('Consulta sin asignar');
});
afterAll(async () => {
  await t?.close();
});

describe("the technician picker's open loads", () => {
  it('follow every change of technician, status and bin, as a fresh count does', async () => {
    await expectLoads('nothing assigned yet', { tito: 0, rosa: 0 });
    const first = await file('Sirena muda en depósito');
    const second = await file('Sirena muda en oficina');
    const third = await file('Sirena muda en planta');
    await expectLoads('new tickets are nobody’s', { tito: 0, rosa: 0 });

    const assign = { categoryId: String(categoryId), priority: 'HIGH', departmentId: '' };
    await step(support, first, 'assign', { ...assign, technicianId: String(tito) });
    await chooseTechnician(second, tito);
    await step(support, third, 'assign', { ...assign, technicianId: String(rosa) });
    await expectLoads('assigned', { tito: 2, rosa: 1 });

    await step(titoAgent, first, 'start');
    await step(titoAgent, first, 'hold', { reason: 'Esperando el repuesto.' });
    await expectLoads('started and held: still Tito’s', { tito: 2, rosa: 1 });
    expect((await comment(client, first, 'Ya llegó el repuesto.')).status).toBe(302);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number: first } })).status).toBe('IN_PROGRESS');
    await expectLoads('resumed by the client’s reply', { tito: 2, rosa: 1 });

    await chooseTechnician(first, rosa, 'Tito está de licencia.');
    await expectLoads('reassigned by support', { tito: 1, rosa: 2 });
    await step(rosaAgent, first, 'reassign', { technicianId: String(tito), reason: 'Queda más cerca de Tito.' });
    await expectLoads('handed back by the technician', { tito: 2, rosa: 1 });

    await step(titoAgent, first, 'start');
    await step(titoAgent, first, 'submit_solution', { solution: 'Cambié el parlante de la sirena.' });
    await expectLoads('proposed: awaiting validation, still Tito’s', { tito: 2, rosa: 1 });
    await step(support, first, 'reject_solution', { reason: 'El cliente dice que sigue muda.' });
    await step(titoAgent, first, 'submit_solution', { solution: 'Cambié también el cableado.' });
    await step(support, first, 'approve_solution', { message: 'Probado con el cliente.' });
    await expectLoads('validated: resolved is no longer work', { tito: 1, rosa: 1 });
    await step(support, first, 'close');
    await expectLoads('closed', { tito: 1, rosa: 1 });
    await step(support, first, 'reopen', { reason: 'Volvió a fallar.' });
    await expectLoads('reopened: back with support, not the technician', { tito: 1, rosa: 1 });
    await step(support, first, 'assign', { ...assign, technicianId: String(rosa) });
    await expectLoads('reopened and assigned to Rosa', { tito: 1, rosa: 2 });

    await step(support, second, 'cancel', { reason: 'Era la misma sirena.' });
    await expectLoads('cancelled', { tito: 0, rosa: 2 });

    await bin(`${ticketPath(third)}/delete`, ticketPath(third));
    await expectLoads('in the bin', { tito: 0, rosa: 1 });
    await bin(`/admin/bin/TKT-${third}/restore`, '/admin/bin');
    await expectLoads('restored', { tito: 0, rosa: 2 });
    await bin(`${ticketPath(third)}/delete`, ticketPath(third));
    await bin(`/admin/bin/TKT-${third}/purge`, '/admin/bin');
    await expectLoads('purged', { tito: 0, rosa: 1 });
  });

  it('count a ticket once when it is moved to the bin twice at once', async () => {
    const number = await file('Sirena muda en cochera');
    await step(support, number, 'assign', {
      categoryId: String(categoryId),
      priority: 'HIGH',
      departmentId: '',
      technicianId: String(tito),
    });
    const before = (await countedLoads())[tito] ?? 0;
    const token = await csrfFrom(admin, ticketPath(number));
    const clicks = await Promise.all(
      [1, 2].map(() =>
        admin
          .post(`${ticketPath(number)}/delete`)
          .type('form')
          .send({ _csrf: token }),
      ),
    );
    // A click landing after the other committed finds no live ticket (404); one racing it is a no-op.
    const statuses = clicks.map((res) => res.status);
    expect(statuses).toContain(302);
    expect(statuses.every((status) => status === 302 || status === 404)).toBe(true);
    const shown = await pickerLoads();
    expect(shown).toEqual(await countedLoads());
    expect(shown[tito]).toBe(before - 1);
    const events = await t.db.prisma.ticketEvent.count({
      where: { ticket: { number }, type: 'deleted' },
    });
    expect(events).toBe(1);
  });

  it("match what the migration's backfill computes from the tickets as they are now", async () => {
    const { prisma } = t.db;
    const dir = (await listMigrationDirectories()).find((d) => d.path.endsWith('_add_technician_loads'));
    const sql = await readFile(path.join(migrationsDir, dir?.path ?? '', 'migration.sql'), 'utf8');
    // The runner splits on every `;`: the backfill is the statement that fills the table.
    const backfill = sql.split(';').find((statement) => statement.includes('INSERT INTO "TechnicianLoad"'));
    expect(backfill).toBeDefined();
    const kept = async () =>
      Object.fromEntries(
        (await prisma.technicianLoad.findMany({ where: { openCount: { not: 0 } } })).map((row) => [
          row.userId,
          row.openCount,
        ]),
      );
    const byTheWrites = await kept();
    expect(Object.keys(byTheWrites).length).toBeGreaterThan(0);
    await prisma.$transaction([prisma.technicianLoad.deleteMany(), prisma.$executeRawUnsafe(backfill as string)]);
    expect(await kept()).toEqual(byTheWrites);
  });
});
