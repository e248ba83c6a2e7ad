// SLA policies: an admin keeps the ordered list at /admin/sla and asks which one applies to a ticket.
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeDemoData, seedDemoData } from '../../src/demo/demo.service.js';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createOrganization, createUser } from '../helpers/factories.js';

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

const policyNamed = (name: string) => t.db.prisma.slaPolicy.findUniqueOrThrow({ where: { name } });
const positions = async () =>
  (await t.db.prisma.slaPolicy.findMany({ orderBy: { position: 'asc' }, select: { name: true, position: true } })).map(
    (row) => `${row.position}:${row.name}`,
  );
const auditCount = (action: string, id: number) =>
  t.db.prisma.auditLog.count({ where: { action, entityType: 'slaPolicy', entityId: String(id) } });

/** A policy through the service, as the form would give it. */
const createPolicy = (name: string, change: Record<string, unknown> = {}) =>
  t.services.slaPolicies.create(
    {
      name,
      priorities: [],
      categoryIds: [],
      departmentIds: [],
      organizationNames: [],
      channels: [],
      firstResponseMinutes: 60,
      nextResponseMinutes: null,
      resolutionMinutes: 480,
      onSiteMinutes: null,
      businessHours: true,
      escalationUserId: null,
      ...change,
    },
    adminId,
  );

const category = (name: string) => t.db.prisma.category.findUniqueOrThrow({ where: { name } });
const department = (name: string) => t.db.prisma.department.findUniqueOrThrow({ where: { name } });

beforeAll(async () => {
  // The reference departments and categories of a security company (as the demo seeds them).
  for (const name of ['CCTV', 'Alarmas']) await t.db.prisma.department.create({ data: { name } });
  await t.db.prisma.category.create({
    data: { name: 'Cámara fuera de servicio', departmentId: (await department('CCTV')).id },
  });
  await t.db.prisma.category.create({ data: { name: 'Consulta general' } });
});

describe('an admin creates and edits a policy', () => {
  beforeEach(async () => {
    await t.db.prisma.slaPolicy.deleteMany();
  });

  it('saves the conditions and targets typed as durations, last in the order, with an audit row', async () => {
    await createPolicy('Existente');
    const bank = await createOrganization(t.db.prisma, { name: 'Banco Sur S.A.' });
    const clinic = await createOrganization(t.db.prisma, { name: 'Clínica Norte' });
    const cctv = await department('CCTV');
    const cameras = await category('Cámara fuera de servicio');
    const escalation = await createUser(t.db.prisma, { role: 'SUPPORT', name: 'Jefa de Soporte' });
    const res = await submitForm(agent, '/admin/sla/new', '/admin/sla', {
      name: '  Crítico bancos  ',
      priorities: ['HIGH', 'CRITICAL'],
      categoryIds: [String(cameras.id)],
      departmentIds: [String(cctv.id)],
      organizations: 'banco sur s.a.\n\nClínica Norte\n',
      channels: ['PHONE', 'EMAIL'],
      firstResponse: '1h',
      nextResponse: '90m',
      resolution: '4h 30m',
      onSite: '',
      businessHours: 'on',
      escalationUserId: String(escalation.id),
    });
    expect(res.status).toBe(302);
    const saved = await policyNamed('Crítico bancos');
    expect(res.headers.location).toBe(`/admin/sla/${saved.id}`);
    expect(saved).toMatchObject({
      position: 2,
      isActive: true,
      isDemo: false,
      priorities: ['CRITICAL', 'HIGH'],
      categoryIds: [cameras.id],
      departmentIds: [cctv.id],
      organizationIds: [bank.id, clinic.id],
      channels: ['EMAIL', 'PHONE'],
      firstResponseMinutes: 60,
      nextResponseMinutes: 90,
      resolutionMinutes: 270,
      onSiteMinutes: null,
      businessHours: true,
      escalationUserId: escalation.id,
    });
    const audit = await t.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'slaPolicy.create', entityId: String(saved.id) },
    });
    expect(audit.actorId).toBe(adminId);
    expect(audit.data).toMatchObject({ name: 'Crítico bancos', position: 2, resolutionMinutes: 270 });

    const page = await agent.get(`/admin/sla/${saved.id}`);
    expect(page.text).toContain('Política Crítico bancos guardada.');
    expect(page.text).toContain('value="4h 30m"');
    expect(page.text).toContain('value="1h 30m"');
    expect(page.text).toMatch(/value="CRITICAL" checked/);
    expect(page.text).not.toMatch(/value="LOW" checked/);
    expect(page.text).toContain('Banco Sur S.A.\nClínica Norte</textarea>');
    expect(page.text).toContain(`<option value="${escalation.id}" selected>Jefa de Soporte (`);

    const list = await agent.get('/admin/sla');
    expect(list.text).toContain('Prioridad: Crítica, Alta · Categoría: Cámara fuera de servicio · Departamento: CCTV');
    expect(list.text).toContain('Organización: Banco Sur S.A., Clínica Norte · Canal: Correo electrónico, Teléfono');
    expect(list.text).toContain(
      '1ª respuesta 1 h · respuesta siguiente 1 h 30 min · resolución 4 h 30 min (horario comercial)',
    );
    expect(list.text).toContain('escala a Jefa de Soporte');
    // The summary of a policy without conditions.
    expect(list.text).toContain('Todos los tickets');
    expect(list.text.indexOf('Existente')).toBeLessThan(list.text.indexOf('Crítico bancos'));
  });

  it('edits one into calendar time with days, and logs the change', async () => {
    const created = await createPolicy('Alto', { priorities: ['HIGH'] });
    const res = await submitForm(agent, `/admin/sla/${created.id}`, `/admin/sla/${created.id}`, {
      name: 'Alto 24×7',
      priorities: ['HIGH'],
      firstResponse: '2h',
      resolution: '2d',
      onSite: '1d 12h',
    });
    expect(res.status).toBe(302);
    const saved = await t.db.prisma.slaPolicy.findUniqueOrThrow({ where: { id: created.id } });
    expect(saved).toMatchObject({
      name: 'Alto 24×7',
      businessHours: false,
      firstResponseMinutes: 120,
      resolutionMinutes: 2880,
      onSiteMinutes: 2160,
      position: 1,
    });
    expect(await auditCount('slaPolicy.update', created.id)).toBe(1);
    const list = await agent.get('/admin/sla');
    expect(list.text).toContain('1ª respuesta 2 h · resolución 2 d · en sitio 1 d 12 h (tiempo corrido)');
    expect((await agent.get(`/admin/sla/${created.id}`)).text).toContain('value="1d 12h"');
  });

  it('the menu links to the policies next to the calendars', async () => {
    const page = await agent.get('/admin/sla');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/href="\/admin\/calendars"[\s\S]*?href="\/admin\/sla"/);
  });
});

describe('order, activation and deletion', () => {
  beforeEach(async () => {
    await t.db.prisma.slaPolicy.deleteMany();
  });

  it('moves a policy up and down, keeping positions 1..n, and logs each move', async () => {
    const a = await createPolicy('A');
    const b = await createPolicy('B');
    const c = await createPolicy('C');
    expect(await positions()).toEqual(['1:A', '2:B', '3:C']);

    const up = await submitForm(agent, '/admin/sla', `/admin/sla/${c.id}/move`, { direction: 'up' });
    expect(up.status).toBe(302);
    expect(up.headers.location).toBe(`/admin/sla#policy-${c.id}`);
    expect(await positions()).toEqual(['1:A', '2:C', '3:B']);
    const move = await t.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'slaPolicy.move', entityId: String(c.id) },
    });
    expect(move).toMatchObject({ actorId: adminId, data: { from: 3, to: 2 } });
    expect((await agent.get('/admin/sla')).text).toContain('Orden actualizado.');

    await submitForm(agent, '/admin/sla', `/admin/sla/${a.id}/move`, { direction: 'down' });
    expect(await positions()).toEqual(['1:C', '2:A', '3:B']);

    // At either end nothing changes, and nothing is logged.
    await submitForm(agent, '/admin/sla', `/admin/sla/${c.id}/move`, { direction: 'up' });
    await submitForm(agent, '/admin/sla', `/admin/sla/${b.id}/move`, { direction: 'down' });
    expect(await positions()).toEqual(['1:C', '2:A', '3:B']);
    expect(await auditCount('slaPolicy.move', c.id)).toBe(1);
    expect(await auditCount('slaPolicy.move', b.id)).toBe(0);

    const list = await agent.get('/admin/sla');
    expect(list.text).not.toContain('Orden actualizado.');
    expect(list.text.indexOf('>C</a>')).toBeLessThan(list.text.indexOf('>A</a>'));
  });

  it('policies created and moved at the same time still end up at positions 1..n', async () => {
    const first = await createPolicy('Primera');
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => createPolicy(`Paralela ${i}`)),
      t.services.slaPolicies.move(first.id, 'down', adminId),
    ]);
    const rows = await t.db.prisma.slaPolicy.findMany({ orderBy: { position: 'asc' } });
    expect(rows.map((row) => row.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('an unknown direction is refused and nothing moves', async () => {
    await createPolicy('A');
    const b = await createPolicy('B');
    const res = await submitForm(agent, '/admin/sla', `/admin/sla/${b.id}/move`, { direction: 'top' });
    expect(res.status).toBe(422);
    expect(await positions()).toEqual(['1:A', '2:B']);
  });

  it('deletes a policy and closes the gap', async () => {
    await createPolicy('A');
    const b = await createPolicy('B');
    await createPolicy('C');
    const res = await submitForm(agent, `/admin/sla/${b.id}`, `/admin/sla/${b.id}/delete`, {});
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/sla');
    expect(await positions()).toEqual(['1:A', '2:C']);
    expect(await auditCount('slaPolicy.delete', b.id)).toBe(1);
    expect((await agent.get('/admin/sla')).text).toContain('Política eliminada.');
    const gone = await submitForm(agent, '/admin/sla', `/admin/sla/${b.id}/delete`, {});
    expect(gone.status).toBe(404);
  });

  it('deactivates and reactivates a policy, each logged once', async () => {
    const a = await createPolicy('A');
    const res = await submitForm(agent, `/admin/sla/${a.id}`, `/admin/sla/${a.id}/deactivate`, {});
    expect(res.status).toBe(302);
    expect((await policyNamed('A')).isActive).toBe(false);
    expect((await agent.get('/admin/sla')).text).toContain('Inactiva');
    // Deactivating again changes nothing.
    await submitForm(agent, `/admin/sla/${a.id}`, `/admin/sla/${a.id}/deactivate`, {});
    expect(await auditCount('slaPolicy.deactivate', a.id)).toBe(1);
    await submitForm(agent, `/admin/sla/${a.id}`, `/admin/sla/${a.id}/activate`, {});
    expect((await policyNamed('A')).isActive).toBe(true);
    expect(await auditCount('slaPolicy.activate', a.id)).toBe(1);
  });
});

describe('when the input is wrong', () => {
  const good = {
    name: 'Con errores',
    priorities: ['CRITICAL'],
    channels: ['PHONE'],
    organizations: '',
    firstResponse: '1h',
    resolution: '4h',
    businessHours: 'on',
  };

  it.each([
    ['a duration without a unit', { resolution: '8' }, 'resolution', 'Escriba una duración como 1h'],
    ['a zero target', { firstResponse: '0m' }, 'firstResponse', 'Debe estar entre 1 minuto y 365 días.'],
    ['no target at all', { firstResponse: '', resolution: '' }, 'targets', 'Indique al menos un objetivo.'],
    [
      'an organization that does not exist',
      { organizations: 'Banco Fantasma\nOtra Inexistente' },
      'organizations',
      'No hay organizaciones con estos nombres: Banco Fantasma, Otra Inexistente.',
    ],
    ['an unknown priority', { priorities: ['URGENT'] }, 'priorities', 'Elija una opción de la lista.'],
    ['an unknown category', { categoryIds: ['999999'] }, 'categoryIds', 'Elija una opción de la lista.'],
    ['an empty name', { name: '   ' }, 'name', 'Este campo es obligatorio.'],
  ])('%s: answers 422 with the reason, keeps what was typed, writes nothing', async (_name, change, field, message) => {
    const before = await t.db.prisma.slaPolicy.count();
    const auditsBefore = await t.db.prisma.auditLog.count({ where: { entityType: 'slaPolicy' } });
    const res = await submitForm(agent, '/admin/sla/new', '/admin/sla', { ...good, ...change });
    expect(res.status).toBe(422);
    expect(inlineError(res.text, field)).toContain(message);
    if (!('name' in change)) expect(res.text).toContain('value="Con errores"');
    if (!('priorities' in change)) expect(res.text).toMatch(/value="CRITICAL" checked/);
    expect(res.text).toMatch(/value="PHONE" checked/);
    expect(res.text).toMatch(/id="f-businessHours" name="businessHours" checked/);
    if ('resolution' in change && change.resolution) expect(res.text).toContain('value="8"');
    if ('organizations' in change) expect(res.text).toContain('Banco Fantasma\nOtra Inexistente</textarea>');
    expect(await t.db.prisma.slaPolicy.count()).toBe(before);
    expect(await t.db.prisma.auditLog.count({ where: { entityType: 'slaPolicy' } })).toBe(auditsBefore);
  });

  it('a client, or a deactivated staff member, is refused as the escalation contact', async () => {
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    const former = await createUser(t.db.prisma, { role: 'SUPPORT', isActive: false });
    for (const user of [client, former]) {
      const res = await submitForm(agent, '/admin/sla/new', '/admin/sla', {
        ...good,
        escalationUserId: String(user.id),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'escalationUserId')).toBe('Elija una opción de la lista.');
    }
    expect(await t.db.prisma.slaPolicy.findUnique({ where: { name: 'Con errores' } })).toBeNull();
  });

  it('a duplicate name (in any case) is refused on create and on edit', async () => {
    await t.db.prisma.slaPolicy.deleteMany();
    await createPolicy('Crítico');
    const other = await createPolicy('Otro');
    const created = await submitForm(agent, '/admin/sla/new', '/admin/sla', { ...good, name: 'CRÍTICO' });
    expect(created.status).toBe(422);
    expect(inlineError(created.text, 'name')).toBe('Ya existe otro con este nombre.');
    expect(created.text).toContain('value="CRÍTICO"');
    expect(await t.db.prisma.slaPolicy.count()).toBe(2);

    const edited = await submitForm(agent, `/admin/sla/${other.id}`, `/admin/sla/${other.id}`, {
      ...good,
      name: 'crítico',
    });
    expect(edited.status).toBe(422);
    expect(inlineError(edited.text, 'name')).toBe('Ya existe otro con este nombre.');
    expect(edited.text).toContain('value="crítico"');
    expect((await t.db.prisma.slaPolicy.findUniqueOrThrow({ where: { id: other.id } })).name).toBe('Otro');
    expect(await auditCount('slaPolicy.update', other.id)).toBe(0);
  });

  it('a post without the CSRF token is refused and writes nothing', async () => {
    const before = await t.db.prisma.slaPolicy.count();
    const res = await agent
      .post('/admin/sla')
      .type('form')
      .send({ ...good, name: 'Sin token' });
    expect(res.status).toBe(403);
    expect(await t.db.prisma.slaPolicy.count()).toBe(before);
  });
});

describe('which policy applies to a ticket', () => {
  it('names the policy that applies, why each one above it does not, and the stored due instants', async () => {
    await t.db.prisma.slaPolicy.deleteMany();
    const bank = await createOrganization(t.db.prisma, { name: 'Banco del Plata' });
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    const clientOrg = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: client.organizationId ?? 0 } });
    const cameras = await category('Cámara fuera de servicio');
    const off = await createPolicy('Apagada', { priorities: ['HIGH'] });
    await t.services.slaPolicies.setActive(off.id, false, adminId);
    await createPolicy('Contrato banco', { organizationNames: [bank.name] });
    await createPolicy('Crítico', { priorities: ['CRITICAL'] });
    await createPolicy('Teléfono', { priorities: ['HIGH'], channels: ['PHONE'] });
    await createPolicy('Cámaras alta', { priorities: ['HIGH'], categoryIds: [cameras.id], resolutionMinutes: 240 });
    await createPolicy('General');

    const number = await t.services.tickets.create(
      client,
      {
        subject: 'Cámara 3 sin imagen',
        description: 'No muestra imagen desde ayer.',
        categoryId: cameras.id,
        priority: 'HIGH',
        requesterId: null,
        channel: undefined,
      },
      [],
    );
    const due = new Date('2026-12-03T15:00:00Z');
    await t.db.prisma.ticket.update({
      where: { number },
      data: { resolutionDueAt: due, firstResponseDueAt: null, nextResponseDueAt: null, onSiteDueAt: null },
    });

    const res = await agent.get(`/admin/sla/preview?ticket=TKT-${number}`);
    expect(res.status).toBe(200);
    expect(/data-testid="sla-picked">([^<]+)</.exec(res.text)?.[1]).toBe('Cámaras alta');
    expect(res.text).toContain('resolución 4 h (horario comercial)');
    const reasons = [...res.text.matchAll(/data-testid="sla-passed-over"><a [^>]+>([^<]+)<\/a>: ([^<]+)</g)].map(
      (match) => `${match[1]}: ${match[2]}`,
    );
    expect(reasons).toEqual([
      'Apagada: está desactivada.',
      `Contrato banco: exige organización Banco del Plata; el ticket es de ${clientOrg.name}.`,
      'Crítico: exige prioridad Crítica; el ticket tiene Alta.',
      'Teléfono: exige canal Teléfono; el ticket llegó por Web.',
    ]);
    // Stored due instants, in the viewer's time zone; the others are not set (the stored policy is,
    // by the clock when the ticket was filed).
    const timeZone = (await t.ctx.settings.get()).timeZone;
    const shown = new Intl.DateTimeFormat('es', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(due);
    expect(res.text).toContain(`<time datetime="${due.toISOString()}">${shown}</time>`);
    expect(res.text.match(/<dd class="col-5 col-sm-7">—<\/dd>/g)?.length).toBe(3);

    // A bare number works too, and the form keeps it.
    const bare = await agent.get(`/admin/sla/preview?ticket=${number}`);
    expect(/data-testid="sla-picked">([^<]+)</.exec(bare.text)?.[1]).toBe('Cámaras alta');
    expect(bare.text).toContain(`value="${number}"`);
  });

  it('says so when no policy applies, listing why each fails', async () => {
    await t.db.prisma.slaPolicy.deleteMany();
    await createPolicy('Sólo críticos', { priorities: ['CRITICAL'] });
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    const number = await t.services.tickets.create(
      client,
      { subject: 'Consulta', description: 'Una consulta.', categoryId: null, priority: 'LOW', requesterId: null },
      [],
    );
    const res = await agent.get(`/admin/sla/preview?ticket=tkt-${number}`);
    expect(res.text).toContain('data-testid="sla-picked-none"');
    expect(res.text).toContain('Sólo críticos</a>: exige prioridad Crítica; el ticket tiene Baja.');
  });

  it.each([
    ['not a ticket number', 'ABC-12', 'Escriba un número de ticket, p. ej. TKT-1234 o 1234.'],
    ['a number no ticket has', 'TKT-999999', 'No hay un ticket con ese número.'],
  ])('%s answers 422 with the reason and keeps what was typed', async (_name, typed, message) => {
    const res = await agent.get(`/admin/sla/preview?ticket=${encodeURIComponent(typed)}`);
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'ticket')).toBe(message);
    expect(res.text).toContain(`value="${typed}"`);
  });

  it('the list page offers the question', async () => {
    const list = await agent.get('/admin/sla');
    expect(list.text).toContain('¿Qué política aplica a este ticket?');
    expect(list.text).toContain('action="/admin/sla/preview"');
  });
});

describe('demo data', () => {
  it('adds Crítico, Alto and Normal after the desk’s own, and removing the demo takes them (not an edited one)', async () => {
    await t.db.prisma.slaPolicy.deleteMany();
    await createPolicy('Propia');
    await seedDemoData(t.db.prisma, { password: 'demo password 2026' });
    const demo = await t.db.prisma.slaPolicy.findMany({ where: { isDemo: true }, orderBy: { position: 'asc' } });
    expect(demo.map((p) => [p.position, p.name, p.priorities, p.businessHours])).toEqual([
      [2, 'Crítico', ['CRITICAL'], true],
      [3, 'Alto', ['HIGH'], true],
      [4, 'Normal', [], true],
    ]);
    expect(demo.map((p) => [p.firstResponseMinutes, p.resolutionMinutes, p.onSiteMinutes])).toEqual([
      [60, 240, 480],
      [120, 480, 1440],
      [480, 2400, null],
    ]);
    const list = await agent.get('/admin/sla');
    expect(list.text).toContain('1ª respuesta 1 h · resolución 4 h · en sitio 8 h (horario comercial)');

    // The admin adopts "Alto" by editing it.
    const alto = await policyNamed('Alto');
    await submitForm(agent, `/admin/sla/${alto.id}`, `/admin/sla/${alto.id}`, {
      name: 'Alto',
      priorities: ['HIGH'],
      firstResponse: '3h',
      resolution: '8h',
      businessHours: 'on',
    });
    await removeDemoData(t.db.prisma, adminId, async () => {});
    expect(await positions()).toEqual(['1:Propia', '2:Alto']);
    expect((await policyNamed('Alto')).firstResponseMinutes).toBe(180);
  });
});

describe('who may see the policies', () => {
  it.each(['SUPPORT', 'TECHNICIAN', 'CLIENT'] as const)('a %s gets 403 or 404 and cannot write', async (role) => {
    const policy = await createPolicy(`Visible a ${role}`);
    const user = await createUser(t.db.prisma, { role });
    const other = await loginAs(t.app, user.email);
    for (const path of ['/admin/sla', '/admin/sla/new', `/admin/sla/${policy.id}`, '/admin/sla/preview?ticket=1']) {
      expect([403, 404]).toContain((await other.get(path)).status);
    }
    const token = await csrfFrom(other, '/account');
    const before = await positions();
    for (const [path, fields] of [
      ['/admin/sla', { name: 'Intrusa', firstResponse: '1h' }],
      [`/admin/sla/${policy.id}`, { name: 'Cambiada', firstResponse: '1h' }],
      [`/admin/sla/${policy.id}/move`, { direction: 'up' }],
      [`/admin/sla/${policy.id}/deactivate`, {}],
      [`/admin/sla/${policy.id}/delete`, {}],
    ] as const) {
      const res = await other
        .post(path)
        .type('form')
        .send({ ...fields, _csrf: token });
      expect([403, 404]).toContain(res.status);
    }
    expect(await positions()).toEqual(before);
    expect((await policyNamed(`Visible a ${role}`)).isActive).toBe(true);
  });

  it('a visitor who is not signed in is sent to log in', async () => {
    const res = await request(t.app).get('/admin/sla');
    expect([302, 401]).toContain(res.status);
  });
});

describe('the early warning threshold', () => {
  it('an admin moves it from 80 % to 70 %: logged, and every open ticket warns earlier after the sweep', async () => {
    // Only this policy applies, in calendar time, so the instants are plain arithmetic.
    await t.db.prisma.slaPolicy.updateMany({ data: { isActive: false } });
    await createPolicy('Aviso temprano', { firstResponseMinutes: 100, resolutionMinutes: null, businessHours: false });
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    const categoryId = (await category('Consulta general')).id;
    const number = await t.services.tickets.create(
      { ...client, isOrgManager: false, organizationId: null } as never,
      {
        subject: 'Teclado de alarma sin luz',
        description: 'No enciende.',
        categoryId,
        priority: 'MEDIUM',
        requesterId: null,
      },
      [],
    );
    const filed = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    const minutesToWarning = (at: Date | null) => ((at?.getTime() ?? 0) - filed.createdAt.getTime()) / 60_000;
    expect(minutesToWarning(filed.slaWarnAt)).toBe(80);

    const page = await agent.get('/admin/sla');
    expect(page.text).toMatch(/id="f-slaWarnPercent"[^>]*value="80"/);
    const res = await submitForm(agent, '/admin/sla', '/admin/sla/warning', { slaWarnPercent: '70' });
    expect(res.status).toBe(302);
    expect(
      await t.db.prisma.auditLog.count({
        where: { action: 'settings.update', entityId: 'slaWarnPercent', actorId: adminId },
      }),
    ).toBe(1);
    await t.services.slaSweep();
    const after = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(minutesToWarning(after.slaWarnAt)).toBe(70);
    expect((await agent.get('/admin/sla')).text).toMatch(/id="f-slaWarnPercent"[^>]*value="70"/);
  });

  it.each([
    ['120', 'Debe estar entre 50 y 99'],
    ['abc', 'número entero'],
  ])('%s is refused with the reason, kept in the box, and nothing changes', async (typed, message) => {
    const before = (await t.services.slaPolicies.list()).warnPercent;
    const res = await submitForm(agent, '/admin/sla', '/admin/sla/warning', { slaWarnPercent: typed });
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'slaWarnPercent')).toContain(message);
    expect(res.text).toMatch(new RegExp(`id="f-slaWarnPercent"[^>]*value="${typed}"`));
    expect((await t.services.slaPolicies.list()).warnPercent).toBe(before);
  });
});
