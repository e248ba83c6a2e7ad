// Absences (/absences) and where they show: a technician records their own, an admin anyone's;
// validation re-renders the form with what was typed; other roles are refused. An absent
// assignee is marked "Ausente" for staff on the ticket page, in the picker and in the queue.
// The department form sets the assignment method.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { numberFromLocation, ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let tech: { id: number; email: string; name: string };
let other: { id: number; email: string; name: string };
let techAgent: Agent;
let admin: Agent;
let support: Agent;
let client: Agent;
const HOUR = 3_600_000;

/** A `datetime-local` value `hours` from now, in UTC (the test users' time zone). */
const local = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString().slice(0, 16);
const absencesOf = (userId: number) => t.db.prisma.userAbsence.findMany({ where: { userId } });

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-absences-${process.pid}` });
  const { prisma } = t.db;
  await t.ctx.settings.update({ timeZone: 'UTC' }, null);
  tech = await createUser(prisma, { role: 'TECHNICIAN', name: 'Tomás Torres' });
  other = await createUser(prisma, { role: 'TECHNICIAN', name: 'Olga Ortiz' });
  const adminUser = await createUser(prisma, { role: 'ADMIN' });
  const supportUser = await createUser(prisma, { role: 'SUPPORT' });
  const clientUser = await createUser(prisma, { role: 'CLIENT' });
  techAgent = await loginAs(t.app, tech.email);
  admin = await loginAs(t.app, adminUser.email);
  support = await loginAs(t.app, supportUser.email);
  client = await loginAs(t.app, clientUser.email);
});
afterAll(async () => {
  await t.close();
});

describe('a technician records their own absence', () => {
  it('is listed as current, with the nav link to the page', async () => {
    const page = await techAgent.get('/absences');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/absences"');
    expect(page.text).not.toContain('id="f-userId"');
    const res = await submitForm(techAgent, '/absences', '/absences', {
      startsAt: local(-1),
      endsAt: local(48),
      note: 'Licencia médica',
    });
    expect(res.status).toBe(302);
    const list = await techAgent.get('/absences');
    expect(list.text).toContain('Ausencia de Tomás Torres registrada.');
    expect(list.text).toContain('Licencia médica');
    expect(list.text).toContain('Ausente ahora');
    expect(await absencesOf(tech.id)).toHaveLength(1);
  });

  it('an end before the start is refused beside the field, with everything typed kept', async () => {
    const before = (await absencesOf(tech.id)).length;
    const startsAt = local(24);
    const res = await submitForm(techAgent, '/absences', '/absences', {
      startsAt,
      endsAt: local(2),
      note: 'Curso de fábrica',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('El fin debe ser posterior al inicio.');
    expect(res.text).toContain(`value="${startsAt}"`);
    expect(res.text).toContain('value="Curso de fábrica"');
    expect(await absencesOf(tech.id)).toHaveLength(before);
  });

  it('a missing or impossible date, or an absence already over, is refused', async () => {
    const before = (await absencesOf(tech.id)).length;
    const missing = await submitForm(techAgent, '/absences', '/absences', { startsAt: '', endsAt: local(2) });
    expect(missing.status).toBe(422);
    const impossible = await submitForm(techAgent, '/absences', '/absences', {
      startsAt: '2026-02-30T08:00',
      endsAt: local(2),
    });
    expect(impossible.status).toBe(422);
    expect(impossible.text).toContain('Fecha y hora no válidas.');
    const over = await submitForm(techAgent, '/absences', '/absences', { startsAt: local(-5), endsAt: local(-2) });
    expect(over.status).toBe(422);
    expect(over.text).toContain('Esa ausencia ya terminó');
    expect(await absencesOf(tech.id)).toHaveLength(before);
  });

  it("cannot record another technician's absence, nor delete one", async () => {
    const res = await submitForm(techAgent, '/absences', '/absences', {
      userId: String(other.id),
      startsAt: local(1),
      endsAt: local(5),
    });
    expect(res.status).toBe(403);
    expect(await absencesOf(other.id)).toHaveLength(0);
    const theirs = await t.db.prisma.userAbsence.create({
      data: { userId: other.id, startsAt: new Date(Date.now() + HOUR), endsAt: new Date(Date.now() + 5 * HOUR) },
    });
    const token = await csrfFrom(techAgent, '/absences');
    const del = await techAgent.post(`/absences/${theirs.id}/delete`).type('form').send({ _csrf: token });
    expect(del.status).toBe(404);
    expect(await absencesOf(other.id)).toHaveLength(1);
    // Nor see it.
    expect((await techAgent.get('/absences')).text).not.toContain('Olga Ortiz');
    await t.db.prisma.userAbsence.delete({ where: { id: theirs.id } });
  });

  it('deletes their own', async () => {
    const [mine] = await absencesOf(tech.id);
    const token = await csrfFrom(techAgent, '/absences');
    const res = await techAgent.post(`/absences/${mine?.id}/delete`).type('form').send({ _csrf: token });
    expect(res.status).toBe(302);
    expect(await absencesOf(tech.id)).toHaveLength(0);
  });
});

describe('an admin records anyone’s absence', () => {
  it("reaches the page from a technician's admin page, with them chosen", async () => {
    const form = await admin.get(`/admin/users/${other.id}`);
    expect(form.text).toContain(`href="/absences?userId=${other.id}"`);
    const page = await admin.get(`/absences?userId=${other.id}`);
    expect(page.text).toContain(`<option value="${other.id}" selected>Olga Ortiz</option>`);
  });

  it('chooses the technician; without one the form says so and keeps the input', async () => {
    const missing = await submitForm(admin, '/absences', '/absences', {
      userId: '',
      startsAt: local(1),
      endsAt: local(30),
      note: 'Vacaciones',
    });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('id="f-userId-error"');
    expect(missing.text).toContain('value="Vacaciones"');
    const res = await submitForm(admin, '/absences', '/absences', {
      userId: String(other.id),
      startsAt: local(1),
      endsAt: local(30),
      note: 'Vacaciones',
    });
    expect(res.status).toBe(302);
    const list = await admin.get('/absences');
    expect(list.text).toContain('Olga Ortiz');
    expect(list.text).toContain('Próxima');
    expect(await absencesOf(other.id)).toHaveLength(1);
  });

  it('a client or support agent gets 403 and records nothing; a visitor is sent to sign in', async () => {
    const before = await t.db.prisma.userAbsence.count();
    for (const agent of [client, support]) {
      expect((await agent.get('/absences')).status).toBe(403);
      const token = await csrfFrom(agent, '/account');
      const res = await agent
        .post('/absences')
        .type('form')
        .send({ _csrf: token, startsAt: local(1), endsAt: local(3) });
      expect(res.status).toBe(403);
    }
    expect(await t.db.prisma.userAbsence.count()).toBe(before);
    const visitor = await request(t.app).get('/absences');
    expect(visitor.status).toBe(302);
    expect(visitor.headers.location).toMatch(/^\/login/);
  });
});

describe('where an absent technician shows', () => {
  it('the ticket page and the queue mark the assignee "Ausente" for staff, and the picker marks them', async () => {
    const { prisma } = t.db;
    const department = await createDepartment(prisma);
    const category = await prisma.category.create({ data: { name: 'Alarmas', departmentId: department.id } });
    await prisma.userDepartment.create({ data: { userId: tech.id, departmentId: department.id } });
    // Round-robin: the new ticket goes to Tomás (Olga is not a member) as the system.
    await submitForm(admin, `/admin/departments/${department.id}`, `/admin/departments/${department.id}`, {
      name: department.name,
      isActive: 'on',
      calendarId: '',
      assignMethod: 'ROUND_ROBIN',
    });
    expect((await prisma.department.findUniqueOrThrow({ where: { id: department.id } })).assignMethod).toBe(
      'ROUND_ROBIN',
    );
    const token = await csrfFrom(client, '/tickets/new');
    const filed = await client
      .post('/tickets')
      .field('_csrf', token)
      .field('subject', 'Panel sin comunicación')
      .field('description', 'La central no recibe la prueba diaria.')
      .field('categoryId', String(category.id));
    const number = numberFromLocation(filed.headers.location);
    const history = await support.get(`${ticketPath(number)}?tab=history`);
    // The system took the table's assign action: one entry for the status, one for the technician.
    expect(history.text).toMatch(/· Sistema<\/div>\s*<div>\s*Derivar a un técnico: Nuevo → Derivado/);
    expect(history.text).toMatch(/· Sistema<\/div>[\s\S]{0,400}Asignado a Tomás Torres/);
    expect((await prisma.ticket.findUniqueOrThrow({ where: { number } })).assigneeId).toBe(tech.id);

    const unmarked = await support.get(ticketPath(number));
    expect(unmarked.text).not.toContain('>Ausente<');
    await prisma.userAbsence.create({
      data: { userId: tech.id, startsAt: new Date(Date.now() - HOUR), endsAt: new Date(Date.now() + HOUR) },
    });
    const page = await support.get(ticketPath(number));
    expect(page.text).toContain('>Ausente<');
    const queue = await support.get('/queue');
    expect(queue.text).toMatch(/Tomás Torres <span class="badge text-bg-warning">Ausente<\/span>/);
    // The client sees who holds their ticket, not the staff's absences.
    const clientPage = await client.get(ticketPath(number));
    expect(clientPage.status).toBe(200);
    expect(clientPage.text).not.toContain('Ausente');

    // A new ticket's picker still offers Tomás for a manual assignment, marked.
    const manual = await client
      .post('/tickets')
      .field('_csrf', token)
      .field('subject', 'Sirena no suena')
      .field('description', 'Zona 2.')
      .field('categoryId', '');
    const fresh = numberFromLocation(manual.headers.location);
    const picker = (await support.get(ticketPath(fresh))).text;
    expect(picker).toMatch(/Tomás Torres · [^<]*· Ausente<\/option>/);
  });

  it('the department form offers the methods with their help', async () => {
    const page = await admin.get('/admin/departments/new');
    expect(page.text).toContain('name="assignMethod"');
    expect(page.text).toContain('Por turnos (round-robin)');
    expect(page.text).toContain('Al de menor carga abierta');
  });
});
