// Reference data an admin keeps: departments, categories, system settings and the demo data.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { removeDemoData, seedDemoData } from '../../src/demo/demo.service.js';
import { createServices } from '../../src/services.js';
import { type Agent, createTestApp, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';

let t: TestApp;
let agent: Agent;
beforeAll(async () => {
  t = await createTestApp();
  const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
  agent = await loginAs(t.app, admin.email);
});
afterAll(async () => {
  await t.close();
});

/** The text of the inline error shown under a form field, if any. */
const inlineError = (html: string, field: string) =>
  new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1]?.trim();

describe('departments', () => {
  it('creates an active department and lists it', async () => {
    const res = await submitForm(agent, '/admin/departments/new', '/admin/departments', {
      name: 'Videovigilancia',
      isActive: 'on',
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/departments');
    const saved = await t.db.prisma.department.findUniqueOrThrow({ where: { name: 'Videovigilancia' } });
    expect(saved.isActive).toBe(true);
    const list = await agent.get('/admin/departments');
    expect(list.text).toContain('Departamento Videovigilancia guardado.');
    expect(list.text).toContain(`href="/admin/departments/${saved.id}"`);
  });

  it('creates an inactive department when the box is left unticked', async () => {
    const res = await submitForm(agent, '/admin/departments/new', '/admin/departments', { name: 'Cerrajería' });
    expect(res.status).toBe(302);
    expect((await t.db.prisma.department.findUniqueOrThrow({ where: { name: 'Cerrajería' } })).isActive).toBe(false);
  });

  it('renames and retires a department', async () => {
    const department = await createDepartment(t.db.prisma, 'Incendio');
    const res = await submitForm(agent, `/admin/departments/${department.id}`, `/admin/departments/${department.id}`, {
      name: 'Detección de incendio',
    });
    expect(res.status).toBe(302);
    const saved = await t.db.prisma.department.findUniqueOrThrow({ where: { id: department.id } });
    expect(saved).toMatchObject({ name: 'Detección de incendio', isActive: false });
  });

  describe('when the name already exists in another case', () => {
    it('answers 422 "Ya existe otro con este nombre." and writes nothing', async () => {
      await createDepartment(t.db.prisma, 'Domótica');
      const before = await t.db.prisma.department.count();
      const res = await submitForm(agent, '/admin/departments/new', '/admin/departments', {
        name: 'DOMÓTICA',
        isActive: 'on',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Ya existe otro con este nombre.');
      expect(res.text).toContain('value="DOMÓTICA"');
      expect(await t.db.prisma.department.count()).toBe(before);
    });

    it('on edit, answers 422 and the department keeps its name', async () => {
      await createDepartment(t.db.prisma, 'Ocupado');
      const department = await createDepartment(t.db.prisma, 'Renombrable');
      const res = await submitForm(
        agent,
        `/admin/departments/${department.id}`,
        `/admin/departments/${department.id}`,
        { name: 'ocupado', isActive: 'on' },
      );
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Ya existe otro con este nombre.');
      expect((await t.db.prisma.department.findUniqueOrThrow({ where: { id: department.id } })).name).toBe(
        'Renombrable',
      );
    });
  });

  it('compares names literally: "Red_s" is not a duplicate of "Redes"', async () => {
    await createDepartment(t.db.prisma, 'Redes y enlaces');
    const res = await submitForm(agent, '/admin/departments/new', '/admin/departments', {
      name: 'Red_s y enlaces',
      isActive: 'on',
    });
    expect(res.status).toBe(302);
    expect(await t.db.prisma.department.findUnique({ where: { name: 'Red_s y enlaces' } })).not.toBeNull();
  });

  describe('when the name is 10,000 characters', () => {
    it('answers 422 with the limit and writes nothing', async () => {
      const before = await t.db.prisma.department.count();
      const res = await submitForm(agent, '/admin/departments/new', '/admin/departments', {
        name: 'd'.repeat(10_000),
        isActive: 'on',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Demasiado largo: máximo 80 caracteres.');
      // The box the admin ticked stays ticked.
      expect(res.text).toMatch(/name="isActive" checked/);
      expect(await t.db.prisma.department.count()).toBe(before);
    });
  });

  describe('when the name is empty', () => {
    it('answers 422 and writes nothing', async () => {
      const before = await t.db.prisma.department.count();
      const res = await submitForm(agent, '/admin/departments/new', '/admin/departments', { name: '' });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Este campo es obligatorio.');
      expect(await t.db.prisma.department.count()).toBe(before);
    });
  });
});

describe('categories', () => {
  it('creates a category with a default department', async () => {
    const department = await createDepartment(t.db.prisma, 'Portones');
    const res = await submitForm(agent, '/admin/categories/new', '/admin/categories', {
      name: 'Portón no abre',
      departmentId: String(department.id),
      isActive: 'on',
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/categories');
    const saved = await t.db.prisma.category.findUniqueOrThrow({ where: { name: 'Portón no abre' } });
    expect(saved).toMatchObject({ departmentId: department.id, isActive: true });
    const list = await agent.get('/admin/categories');
    expect(list.text).toContain('Categoría Portón no abre guardada.');
    expect(list.text).toContain('Portones');
  });

  it('creates a category without a department', async () => {
    const res = await submitForm(agent, '/admin/categories/new', '/admin/categories', {
      name: 'Otra consulta',
      departmentId: '',
      isActive: 'on',
    });
    expect(res.status).toBe(302);
    expect(
      (await t.db.prisma.category.findUniqueOrThrow({ where: { name: 'Otra consulta' } })).departmentId,
    ).toBeNull();
  });

  it('edits a category: new name, another department, retired', async () => {
    const first = await createDepartment(t.db.prisma, 'Sensores');
    const second = await createDepartment(t.db.prisma, 'Sirenas');
    const category = await t.db.prisma.category.create({ data: { name: 'Sensor roto', departmentId: first.id } });
    const res = await submitForm(agent, `/admin/categories/${category.id}`, `/admin/categories/${category.id}`, {
      name: 'Sensor o sirena rotos',
      departmentId: String(second.id),
    });
    expect(res.status).toBe(302);
    expect(await t.db.prisma.category.findUniqueOrThrow({ where: { id: category.id } })).toMatchObject({
      name: 'Sensor o sirena rotos',
      departmentId: second.id,
      isActive: false,
    });
  });

  it('keeps a retired default department when the category page is saved unchanged', async () => {
    const retired = await createDepartment(t.db.prisma, 'Radiofrecuencia');
    const category = await t.db.prisma.category.create({ data: { name: 'Interferencia', departmentId: retired.id } });
    await t.db.prisma.department.update({ where: { id: retired.id }, data: { isActive: false } });

    const page = await agent.get(`/admin/categories/${category.id}`);
    const chosen = /<select id="f-departmentId"[\s\S]*?<option value="(\d+)" selected>/.exec(page.text)?.[1];
    expect(chosen).toBe(String(retired.id));
    const res = await submitForm(agent, `/admin/categories/${category.id}`, `/admin/categories/${category.id}`, {
      name: 'Interferencia',
      departmentId: chosen as string,
      isActive: 'on',
    });
    expect(res.status).toBe(302);
    expect((await t.db.prisma.category.findUniqueOrThrow({ where: { id: category.id } })).departmentId).toBe(
      retired.id,
    );
    // New categories are not offered the retired department.
    expect((await agent.get('/admin/categories/new')).text).not.toContain(`value="${retired.id}"`);
  });

  describe('when the name already exists in another case', () => {
    it('answers 422 "Ya existe otro con este nombre.", keeps the department chosen and writes nothing', async () => {
      const department = await createDepartment(t.db.prisma, 'Cámaras IP');
      await t.db.prisma.category.create({ data: { name: 'Imagen borrosa' } });
      const before = await t.db.prisma.category.count();
      const res = await submitForm(agent, '/admin/categories/new', '/admin/categories', {
        name: 'IMAGEN BORROSA',
        departmentId: String(department.id),
        isActive: 'on',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Ya existe otro con este nombre.');
      expect(res.text).toContain(`<option value="${department.id}" selected>`);
      expect(await t.db.prisma.category.count()).toBe(before);
    });
  });

  describe('when the name is 10,000 characters', () => {
    it('answers 422 with the limit and writes nothing', async () => {
      const before = await t.db.prisma.category.count();
      const res = await submitForm(agent, '/admin/categories/new', '/admin/categories', {
        name: 'c'.repeat(10_000),
        departmentId: '',
        isActive: 'on',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Demasiado largo: máximo 80 caracteres.');
      expect(await t.db.prisma.category.count()).toBe(before);
    });
  });

  describe('when the department does not exist', () => {
    it('answers 422 and writes nothing', async () => {
      const before = await t.db.prisma.category.count();
      const res = await submitForm(agent, '/admin/categories/new', '/admin/categories', {
        name: 'Departamento fantasma',
        departmentId: '999999',
        isActive: 'on',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'departmentId')).toBe('Elija una opción de la lista.');
      expect(await t.db.prisma.category.count()).toBe(before);
    });
  });
});

describe('settings', () => {
  /** The settings form as a browser sends it back: the page's fields (switch off), with overrides. */
  const settingsForm = async (overrides: Record<string, string> = {}) => {
    const page = await agent.get('/admin/settings');
    const form = /<form method="post" action="\/admin\/settings"[\s\S]*?<\/form>/.exec(page.text)?.[0] ?? '';
    const fields: Record<string, string> = {};
    for (const m of form.matchAll(/<input id="f-\w+" name="(\w+)" type="(?:text|number)"[^>]*?value="([^"]*)"/g)) {
      fields[m[1] as string] = (m[2] as string)
        .replaceAll('&#34;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&');
    }
    for (const m of form.matchAll(/<select id="f-\w+" name="(\w+)"[\s\S]*?<\/select>/g)) {
      const chosen = /<option value="([^"]*)" selected/.exec(m[0]) ?? /<option value="([^"]*)"/.exec(m[0]);
      if (chosen) fields[m[1] as string] = chosen[1] as string;
    }
    return { ...fields, helpdeskName: 'Mesa de Ayuda Centinela', timeZone: 'America/Montevideo', ...overrides };
  };

  it('saves what incoming e-mail from an unknown sender does, and refuses a value not offered', async () => {
    expect((await agent.get('/admin/settings')).text).toContain('<option value="reject" selected>');
    const saved = await submitForm(
      agent,
      '/admin/settings',
      '/admin/settings',
      await settingsForm({ inboundUnknownSender: 'create' }),
    );
    expect(saved.status).toBe(302);
    expect((await t.ctx.settings.get()).inboundUnknownSender).toBe('create');
    expect((await agent.get('/admin/settings')).text).toContain('<option value="create" selected>');
    const bad = await submitForm(
      agent,
      '/admin/settings',
      '/admin/settings',
      await settingsForm({ inboundUnknownSender: 'forward' }),
    );
    expect(bad.status).toBe(422);
    expect(inlineError(bad.text, 'inboundUnknownSender')).toBe('Elija una opción de la lista.');
    expect((await t.ctx.settings.get()).inboundUnknownSender).toBe('create');
    await t.ctx.settings.update({ inboundUnknownSender: 'reject' }, null);
  });

  it('shows the current values', async () => {
    await t.ctx.settings.update({ helpdeskName: 'Soporte Actual', timeZone: 'America/Lima' }, null);
    const res = await agent.get('/admin/settings');
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="Soporte Actual"');
    expect(res.text).toContain('value="America/Lima"');
  });

  it('saves the name, time zone and registration switch; the new name shows at once', async () => {
    const on = await submitForm(
      agent,
      '/admin/settings',
      '/admin/settings',
      await settingsForm({ helpdeskName: 'Seguridad Andina', registrationEnabled: 'on' }),
    );
    expect(on.status).toBe(302);
    expect(on.headers.location).toBe('/admin/settings');
    expect(await t.ctx.settings.get()).toMatchObject({
      helpdeskName: 'Seguridad Andina',
      timeZone: 'America/Montevideo',
      registrationEnabled: true,
    });
    const page = await agent.get('/admin/settings');
    expect(page.text).toContain('Configuración guardada.');
    expect(page.text).toContain('<title>Configuración · Seguridad Andina</title>');
    expect((await request(t.app).get('/register')).status).toBe(200);

    // Leaving the switch unticked turns registration off.
    const off = await submitForm(agent, '/admin/settings', '/admin/settings', await settingsForm());
    expect(off.status).toBe(302);
    expect((await t.ctx.settings.get()).registrationEnabled).toBe(false);
    expect((await request(t.app).get('/register')).status).toBe(404);
  });

  describe('when the time zone is unknown ("Mars/Olympus")', () => {
    it('answers 422 with the reason inline, keeps the input and saves nothing', async () => {
      await t.ctx.settings.update(
        { helpdeskName: 'Antes del error', timeZone: 'America/Argentina/Buenos_Aires', registrationEnabled: false },
        null,
      );
      const rowsBefore = await t.db.prisma.setting.findMany({ orderBy: { key: 'asc' } });
      const res = await submitForm(
        agent,
        '/admin/settings',
        '/admin/settings',
        await settingsForm({ helpdeskName: 'Después del error', timeZone: 'Mars/Olympus', registrationEnabled: 'on' }),
      );
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'timeZone')).toContain('Zona horaria desconocida');
      expect(res.text).toContain('value="Mars/Olympus"');
      expect(res.text).toContain('value="Después del error"');
      expect(await t.db.prisma.setting.findMany({ orderBy: { key: 'asc' } })).toEqual(rowsBefore);
      expect(await t.ctx.settings.get()).toMatchObject({
        helpdeskName: 'Antes del error',
        timeZone: 'America/Argentina/Buenos_Aires',
        registrationEnabled: false,
      });
    });
  });

  describe('when the help desk name is empty or 10,000 characters', () => {
    it('answers 422 and saves nothing', async () => {
      await t.ctx.settings.update({ helpdeskName: 'Nombre Estable' }, null);
      const empty = await submitForm(
        agent,
        '/admin/settings',
        '/admin/settings',
        await settingsForm({ helpdeskName: ' ' }),
      );
      expect(empty.status).toBe(422);
      expect(inlineError(empty.text, 'helpdeskName')).toBe('Este campo es obligatorio.');
      const long = await submitForm(
        agent,
        '/admin/settings',
        '/admin/settings',
        await settingsForm({ helpdeskName: 'h'.repeat(10_000) }),
      );
      expect(long.status).toBe(422);
      expect(inlineError(long.text, 'helpdeskName')).toBe('Demasiado largo: máximo 80 caracteres.');
      expect((await t.ctx.settings.get()).helpdeskName).toBe('Nombre Estable');
    });
  });
});

describe('demo data', () => {
  const demoPassword = 'demo password 2026';

  it('cannot be removed while the only admin is a demo one; once a real admin exists it goes, and so does the banner', async () => {
    // Only the demo admin remains active.
    await t.db.prisma.user.updateMany({ where: { role: 'ADMIN' }, data: { isActive: false } });
    await seedDemoData(t.db.prisma, { password: demoPassword });
    const demoAdmin = await loginAs(t.app, 'admin@demo.local', demoPassword);

    const withDemo = await demoAdmin.get('/admin/settings');
    expect(withDemo.text).toContain('Datos de demostración');
    expect(withDemo.text).toContain('action="/admin/demo/remove"');

    const refused = await submitForm(demoAdmin, '/admin/settings', '/admin/demo/remove', {});
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Primero cree un administrador propio');
    expect(await t.db.prisma.user.count({ where: { isDemo: true } })).toBe(5);
    // Shared canned replies come with the demo, one of them putting a ticket on hold.
    const replies = await t.db.prisma.cannedReply.findMany({ where: { isDemo: true, ownerId: null } });
    expect(replies.map((r) => r.setStatusAction)).toContain('hold');
    expect(replies.every((r) => r.bodyEs && r.bodyEn && r.bodyPtBr)).toBe(true);

    // The demo admin creates a real admin, who signs in and removes the demo data.
    const created = await submitForm(demoAdmin, '/admin/users/new', '/admin/users', {
      name: 'Administradora Real',
      email: 'real.admin@centinela.test',
      phone: '',
      role: 'ADMIN',
      organizationId: '',
      locale: '',
      password: 'una contraseña propia',
      passwordConfirm: 'una contraseña propia',
    });
    expect(created.status).toBe(302);
    // A real client added to a demo organization keeps it alive.
    const clinic = await t.db.prisma.organization.findUniqueOrThrow({ where: { name: 'Clínica San Martín (demo)' } });
    const realClient = await createUser(t.db.prisma, { role: 'CLIENT', organizationId: clinic.id });

    const realAdmin = await loginAs(t.app, 'real.admin@centinela.test', 'una contraseña propia');
    const removed = await submitForm(realAdmin, '/admin/settings', '/admin/demo/remove', {});
    expect(removed.status).toBe(302);
    expect(removed.headers.location).toBe('/admin/settings');

    expect(await t.db.prisma.user.count({ where: { isDemo: true } })).toBe(0);
    expect(await t.db.prisma.cannedReply.count({ where: { isDemo: true } })).toBe(0);
    expect(
      await t.db.prisma.organization.findUnique({ where: { name: 'Comercial Los Andes S.A. (demo)' } }),
    ).toBeNull();
    expect(await t.db.prisma.organization.findUnique({ where: { id: clinic.id } })).not.toBeNull();
    expect(await t.db.prisma.user.findUnique({ where: { id: realClient.id } })).not.toBeNull();
    // Reference data stays.
    expect(await t.db.prisma.department.findUnique({ where: { name: 'CCTV' } })).not.toBeNull();

    const after = await realAdmin.get('/admin/settings');
    expect(after.text).toContain('Datos de demostración quitados.');
    expect(after.text).not.toContain('Datos de demostración:');
    expect(after.text).not.toContain('action="/admin/demo/remove"');
    expect((await realAdmin.get('/admin/users')).text).not.toContain('Datos de demostración');

    // The demo admin's session ended with their account.
    const gone = await demoAdmin.get('/admin/settings');
    expect(gone.status).toBe(302);
    expect(gone.headers.location).toMatch(/^\/login/);

    // Leave no demo organization behind for the next seeding.
    await t.db.prisma.user.delete({ where: { id: realClient.id } });
    await t.db.prisma.organization.delete({ where: { id: clinic.id } });
  });

  it('the banner shows on every page while demo data exists', async () => {
    await seedDemoData(t.db.prisma, { password: demoPassword });
    const client = await loginAs(t.app, 'cliente@demo.local', demoPassword);
    expect((await client.get('/tickets')).text).toContain(
      'Datos de demostración: las cuentas @demo.local son de prueba.',
    );
    const admin = await t.db.prisma.user.findFirstOrThrow({ where: { role: 'ADMIN', isActive: true, isDemo: false } });
    await removeDemoData(t.db.prisma, admin.id, async () => {});
    const login = await request(t.app).get('/login');
    expect(login.text).not.toContain('Datos de demostración');
  });

  describe('when someone who is not an admin asks to remove it', () => {
    it('answers 403 and the demo data stays', async () => {
      await seedDemoData(t.db.prisma, { password: demoPassword });
      const support = await createUser(t.db.prisma, { role: 'SUPPORT' });
      const supportAgent = await loginAs(t.app, support.email);
      const res = await submitForm(supportAgent, '/queue', '/admin/demo/remove', {});
      expect(res.status).toBe(403);
      expect(await t.db.prisma.user.count({ where: { isDemo: true } })).toBe(5);
    });
  });
});

describe('removing demo data once demo accounts have worked on tickets', () => {
  it('deletes the demo tickets, keeps real ones, and deactivates demo staff who touched them', async () => {
    const own = await createTestApp();
    try {
      const { prisma } = own.db;
      await seedDemoData(prisma, { password: 'demo-password-42' });
      const storage = createLocalStorage(own.ctx.env.UPLOAD_DIR);
      const tickets = createServices(own.ctx, { storage: storage }).tickets;
      const demoClient = await prisma.user.findUniqueOrThrow({ where: { email: 'cliente@demo.local' } });
      const demoTech = await prisma.user.findUniqueOrThrow({ where: { email: 'tecnico@demo.local' } });
      const demoSupport = await prisma.user.findUniqueOrThrow({ where: { email: 'soporte@demo.local' } });
      const realClient = await createUser(prisma, { role: 'CLIENT' });
      const realAdmin = await createUser(prisma, { role: 'ADMIN' });
      const category = await prisma.category.findFirstOrThrow();
      const demoTicket = await tickets.create(
        demoClient,
        {
          subject: 'Demo',
          description: 'Demo',
          categoryId: null,
          priority: 'LOW',
          requesterId: null,
          channel: undefined,
        },
        [],
      );
      const realTicket = await tickets.create(
        realClient,
        {
          subject: 'Real',
          description: 'Real',
          categoryId: null,
          priority: 'LOW',
          requesterId: null,
          channel: undefined,
        },
        [],
      );
      for (const number of [realTicket, demoTicket]) {
        await tickets.transitionTicket(demoSupport, number, 'assign', {
          version: 1,
          categoryId: category.id,
          priority: 'HIGH',
          technicianId: demoTech.id,
          departmentId: null,
        });
      }

      await removeDemoData(prisma, realAdmin.id, async () => {});

      expect(await prisma.ticket.findUnique({ where: { number: demoTicket } })).toBeNull();
      const kept = await prisma.ticket.findUniqueOrThrow({ where: { number: realTicket } });
      expect(kept.assigneeId).toBe(demoTech.id);
      const tech = await prisma.user.findUniqueOrThrow({ where: { id: demoTech.id } });
      expect(tech.isActive).toBe(false);
      expect(tech.isDemo).toBe(false);
      expect(await prisma.user.findUnique({ where: { email: 'cliente@demo.local' } })).toBeNull();
      expect(await prisma.user.count({ where: { isDemo: true } })).toBe(0);
      const counts = await prisma.ticketStatusCount.findMany();
      expect(counts.find((row) => row.status === 'NEW')?.count).toBe(0);
      expect(counts.find((row) => row.status === 'ASSIGNED')?.count).toBe(1);
      // The demo technician's open load is the real ticket only (the picker reads this row).
      const load = await prisma.technicianLoad.findUniqueOrThrow({ where: { userId: demoTech.id } });
      expect(load.openCount).toBe(1);
    } finally {
      await own.close();
    }
  });
});
