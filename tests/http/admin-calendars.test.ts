// Business calendars: an admin keeps them at /admin/calendars and picks one per department.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';

let t: TestApp;
let agent: Agent;
let adminId: number;
beforeAll(async () => {
  t = await createTestApp();
  const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
  adminId = admin.id;
  agent = await loginAs(t.app, admin.email);
});
afterAll(async () => {
  await t.close();
});

const inlineError = (html: string, field: string) =>
  new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1]?.trim();

const week = {
  hours1: '08:00-13:00, 14:00-18:00',
  hours2: '08:00-13:00, 14:00-18:00',
  hours3: '08:00-13:00, 14:00-18:00',
  hours4: '08:00-13:00, 14:00-18:00',
  hours5: '08:00-13:00, 14:00-18:00',
  hours6: '9:00 - 12:00',
  hours0: '',
};

const calendarNamed = (name: string) => t.db.prisma.businessCalendar.findUniqueOrThrow({ where: { name } });

describe('the migration', () => {
  it('seeds "Horario comercial" Mon–Fri 09:00–18:00 in the desk time zone as the default, and a 24×7', async () => {
    const office = await calendarNamed('Horario comercial');
    expect(office).toMatchObject({ timeZone: 'America/Argentina/Buenos_Aires', alwaysOpen: false });
    expect(office.hours).toEqual([[], ...Array.from({ length: 5 }, () => [{ start: '09:00', end: '18:00' }]), []]);
    expect((await calendarNamed('24×7')).alwaysOpen).toBe(true);
    const setting = await t.db.prisma.setting.findUniqueOrThrow({ where: { key: 'defaultCalendarId' } });
    expect(setting.value).toBe(office.id);
    expect(await t.services.calendars.defaultCalendarId()).toBe(office.id);
    // Intl's list names this zone America/Buenos_Aires: the stored name is still the one selected.
    const page = await agent.get(`/admin/calendars/${office.id}`);
    expect(page.text).toContain('<option value="America/Argentina/Buenos_Aires" selected>');
    expect((await agent.get('/admin/calendars/new')).text).toContain(
      '<option value="America/Argentina/Buenos_Aires" selected>',
    );
  });
});

describe('an admin creates and edits a calendar', () => {
  it('saves split days, a Saturday morning and holidays, and shows the next openings', async () => {
    const res = await submitForm(agent, '/admin/calendars/new', '/admin/calendars', {
      name: 'Instalaciones',
      timeZone: 'America/Sao_Paulo',
      ...week,
      holidays: '2026-12-25 Natal *\n\n2026-11-20   Consciência Negra',
    });
    expect(res.status).toBe(302);
    const saved = await calendarNamed('Instalaciones');
    expect(res.headers.location).toBe(`/admin/calendars/${saved.id}`);
    expect(saved).toMatchObject({ timeZone: 'America/Sao_Paulo', alwaysOpen: false });
    expect(saved.hours).toEqual([
      [],
      ...Array.from({ length: 5 }, () => [
        { start: '08:00', end: '13:00' },
        { start: '14:00', end: '18:00' },
      ]),
      [{ start: '09:00', end: '12:00' }],
    ]);
    expect(saved.holidays).toEqual([
      { date: '2026-11-20', yearly: false, name: 'Consciência Negra' },
      { date: '2026-12-25', yearly: true, name: 'Natal' },
    ]);
    const audit = await t.db.prisma.auditLog.findFirst({
      where: { action: 'calendar.create', entityId: String(saved.id) },
    });
    expect(audit?.actorId).toBe(adminId);

    const page = await agent.get(`/admin/calendars/${saved.id}`);
    expect(page.text).toContain('Calendario Instalaciones guardado.');
    expect(page.text).toContain('value="08:00-13:00, 14:00-18:00"');
    expect(page.text).toContain('2026-12-25 Natal *');
    expect(page.text).toContain('Próximas 5 aperturas');
    expect(page.text.match(/<li>[^<]+<\/li>/g)?.length).toBe(5);
  });

  it('edits it into a 24×7 calendar, keeping the hours', async () => {
    const created = await t.services.calendars.create(
      {
        name: 'Monitoreo',
        timeZone: 'America/Argentina/Buenos_Aires',
        alwaysOpen: false,
        hours: [[], [{ start: '09:00', end: '18:00' }], [], [], [], [], []],
        holidays: [],
      },
      adminId,
    );
    const res = await submitForm(agent, `/admin/calendars/${created.id}`, `/admin/calendars/${created.id}`, {
      name: 'Monitoreo 24×7',
      timeZone: 'America/Argentina/Buenos_Aires',
      alwaysOpen: 'on',
      hours1: '09:00-18:00',
    });
    expect(res.status).toBe(302);
    const saved = await t.db.prisma.businessCalendar.findUniqueOrThrow({ where: { id: created.id } });
    expect(saved).toMatchObject({ name: 'Monitoreo 24×7', alwaysOpen: true });
    expect(saved.hours).toEqual([[], [{ start: '09:00', end: '18:00' }], [], [], [], [], []]);
    expect(
      await t.db.prisma.auditLog.count({ where: { action: 'calendar.update', entityId: String(created.id) } }),
    ).toBe(1);
    expect((await agent.get(`/admin/calendars/${created.id}`)).text).toContain('Siempre abierto.');
  });

  it('lists calendars with the default marked, and the menu links to them', async () => {
    const list = await agent.get('/admin/calendars');
    expect(list.status).toBe(200);
    expect(list.text).toMatch(/Horario comercial<\/a> <span class="badge[^"]*">Predeterminado<\/span>/);
    expect(list.text).toContain('href="/admin/calendars"');
  });
});

describe('when the input is wrong', () => {
  it.each([
    ['a range that ends before it starts', { hours1: '18:00-09:00' }, 'hours1', 'Escriba rangos como'],
    ['overlapping ranges', { hours2: '08:00-13:00, 12:00-18:00' }, 'hours2', 'Los rangos deben ir en orden'],
    ['a range that is not a range', { hours3: 'todo el día' }, 'hours3', 'Escriba rangos como'],
    [
      'a holiday that does not exist',
      { holidays: '2026-12-25 Navidad *\n2026-02-30 Nada' },
      'holidays',
      'La línea 2 no es',
    ],
    ['an unknown time zone', { timeZone: 'America/Atlantis' }, 'timeZone', 'Zona horaria desconocida'],
    [
      'no hours and not 24×7',
      { hours1: '', hours2: '', hours3: '', hours4: '', hours5: '', hours6: '' },
      'hours1',
      'Indique al menos',
    ],
  ])('%s: answers 422 with the reason, keeps what was typed, writes nothing', async (_name, change, field, message) => {
    const before = await t.db.prisma.businessCalendar.count();
    const fields = {
      name: 'Con errores',
      timeZone: 'America/Argentina/Buenos_Aires',
      ...week,
      holidays: '2026-12-25 Navidad *',
      ...change,
    };
    const res = await submitForm(agent, '/admin/calendars/new', '/admin/calendars', fields);
    expect(res.status).toBe(422);
    expect(inlineError(res.text, field)).toContain(message);
    expect(res.text).toContain('value="Con errores"');
    if ('hours2' in change && change.hours2) expect(res.text).toContain('value="08:00-13:00, 12:00-18:00"');
    if ('holidays' in change) expect(res.text).toContain('2026-02-30 Nada');
    if (!('hours6' in change)) expect(res.text).toContain('value="9:00 - 12:00"');
    expect(await t.db.prisma.businessCalendar.count()).toBe(before);
  });

  it('on edit, a taken name answers 422 and the calendar keeps its values', async () => {
    const office = await calendarNamed('Horario comercial');
    const other = await t.services.calendars.create(
      { name: 'Otro', timeZone: 'Europe/Madrid', alwaysOpen: true, hours: [[], [], [], [], [], [], []], holidays: [] },
      adminId,
    );
    const res = await submitForm(agent, `/admin/calendars/${other.id}`, `/admin/calendars/${other.id}`, {
      name: 'horario COMERCIAL',
      timeZone: 'Europe/Madrid',
      alwaysOpen: 'on',
    });
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'name')).toBe('Ya existe otro con este nombre.');
    expect(res.text).toContain('value="horario COMERCIAL"');
    expect((await t.db.prisma.businessCalendar.findUniqueOrThrow({ where: { id: other.id } })).name).toBe('Otro');
    expect(office.name).toBe('Horario comercial');
  });

  it('a post without the CSRF token is refused and writes nothing', async () => {
    const before = await t.db.prisma.businessCalendar.count();
    const res = await agent
      .post('/admin/calendars')
      .type('form')
      .send({ name: 'Sin token', timeZone: 'UTC', alwaysOpen: 'on' });
    expect(res.status).toBe(403);
    expect(await t.db.prisma.businessCalendar.count()).toBe(before);
  });
});

describe('departments and the default calendar', () => {
  it('a department picks a calendar on its page, and an unknown one is refused', async () => {
    const department = await createDepartment(t.db.prisma, 'Instalaciones y obras');
    const calendar = await calendarNamed('24×7');
    const form = await agent.get(`/admin/departments/${department.id}`);
    expect(form.text).toContain(`<option value="${calendar.id}" >24×7</option>`);
    const res = await submitForm(agent, `/admin/departments/${department.id}`, `/admin/departments/${department.id}`, {
      name: 'Instalaciones y obras',
      isActive: 'on',
      calendarId: String(calendar.id),
    });
    expect(res.status).toBe(302);
    expect((await t.db.prisma.department.findUniqueOrThrow({ where: { id: department.id } })).calendarId).toBe(
      calendar.id,
    );
    expect((await t.services.calendars.forDepartment(department.id)).name).toBe('24×7');

    const bad = await submitForm(agent, `/admin/departments/${department.id}`, `/admin/departments/${department.id}`, {
      name: 'Instalaciones y obras',
      isActive: 'on',
      calendarId: '999999',
    });
    expect(bad.status).toBe(422);
    expect(inlineError(bad.text, 'calendarId')).toBe('Elija una opción de la lista.');
    expect((await t.db.prisma.department.findUniqueOrThrow({ where: { id: department.id } })).calendarId).toBe(
      calendar.id,
    );
  });

  it('a department without a calendar uses the default', async () => {
    const department = await createDepartment(t.db.prisma, 'Sin calendario');
    expect((await t.services.calendars.forDepartment(department.id)).name).toBe('Horario comercial');
  });

  it('refuses to delete a calendar a department uses, with the reason', async () => {
    const calendar = await t.services.calendars.create(
      { name: 'En uso', timeZone: 'UTC', alwaysOpen: true, hours: [[], [], [], [], [], [], []], holidays: [] },
      adminId,
    );
    const department = await createDepartment(t.db.prisma, 'Usa un calendario');
    await t.db.prisma.department.update({ where: { id: department.id }, data: { calendarId: calendar.id } });
    const res = await submitForm(
      agent,
      `/admin/calendars/${calendar.id}`,
      `/admin/calendars/${calendar.id}/delete`,
      {},
    );
    expect(res.status).toBe(409);
    expect(res.text).toContain('No se puede eliminar: lo usa al menos un departamento.');
    expect(await t.db.prisma.businessCalendar.findUnique({ where: { id: calendar.id } })).not.toBeNull();
    expect(
      await t.db.prisma.auditLog.count({ where: { action: 'calendar.delete', entityId: String(calendar.id) } }),
    ).toBe(0);
  });

  it('refuses to delete the default calendar', async () => {
    const office = await calendarNamed('Horario comercial');
    const token = await csrfFrom(agent, '/admin/calendars/new');
    const res = await agent.post(`/admin/calendars/${office.id}/delete`).type('form').send({ _csrf: token });
    expect(res.status).toBe(409);
    expect(res.text).toContain('No se puede eliminar el calendario predeterminado');
    expect(await t.db.prisma.businessCalendar.findUnique({ where: { id: office.id } })).not.toBeNull();
  });

  it('deletes an unused calendar, and makes another the default', async () => {
    const spare = await t.services.calendars.create(
      { name: 'Sobrante', timeZone: 'UTC', alwaysOpen: true, hours: [[], [], [], [], [], [], []], holidays: [] },
      adminId,
    );
    const res = await submitForm(agent, `/admin/calendars/${spare.id}`, `/admin/calendars/${spare.id}/delete`, {});
    expect(res.status).toBe(302);
    expect(await t.db.prisma.businessCalendar.findUnique({ where: { id: spare.id } })).toBeNull();
    expect(await t.db.prisma.auditLog.count({ where: { action: 'calendar.delete', entityId: String(spare.id) } })).toBe(
      1,
    );

    const always = await calendarNamed('24×7');
    const made = await submitForm(agent, `/admin/calendars/${always.id}`, `/admin/calendars/${always.id}/default`, {});
    expect(made.status).toBe(302);
    expect(await t.services.calendars.defaultCalendarId()).toBe(always.id);
    expect((await t.services.calendars.forDepartment(null)).name).toBe('24×7');
    const office = await calendarNamed('Horario comercial');
    await t.services.calendars.setDefault(office.id, adminId);
  });
});

describe('who may see calendars', () => {
  it.each(['SUPPORT', 'TECHNICIAN', 'CLIENT'] as const)('a %s gets 403 or 404 and cannot write', async (role) => {
    const user = await createUser(t.db.prisma, { role });
    const other = await loginAs(t.app, user.email);
    const page = await other.get('/admin/calendars');
    expect([403, 404]).toContain(page.status);
    const office = await calendarNamed('Horario comercial');
    expect([403, 404]).toContain((await other.get(`/admin/calendars/${office.id}`)).status);
    const token = await csrfFrom(other, '/account');
    const before = await t.db.prisma.businessCalendar.count();
    const res = await other
      .post('/admin/calendars')
      .type('form')
      .send({ _csrf: token, name: 'Intruso', timeZone: 'UTC', alwaysOpen: 'on' });
    expect([403, 404]).toContain(res.status);
    expect(await t.db.prisma.businessCalendar.count()).toBe(before);
  });

  it('a visitor who is not signed in is sent to log in', async () => {
    const res = await request(t.app).get('/admin/calendars');
    expect([302, 401]).toContain(res.status);
  });
});
