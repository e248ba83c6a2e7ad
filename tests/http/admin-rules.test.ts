// Rules at /admin/rules: the admin's ordered list, the form (no JavaScript: fixed fields and action
// rows), validation that keeps what was typed, the built-in auto-close (editable, not deletable),
// reorder, activate, the run log and the dry run. Anyone else gets 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

let t: TestApp;
let agent: Agent;
let clientUser: { id: number; role: 'CLIENT'; organizationId: number | null; isOrgManager: boolean };

beforeAll(async () => {
  t = await createTestApp();
  const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
  agent = await loginAs(t.app, admin.email);
  const client = await createUser(t.db.prisma, { role: 'CLIENT' });
  clientUser = { id: client.id, role: 'CLIENT', organizationId: client.organizationId, isOrgManager: false };
});
afterAll(async () => {
  await t.close();
});

const inlineError = (html: string, field: string) =>
  new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1]?.trim();
const ruleNamed = (name: string) => t.db.prisma.rule.findUniqueOrThrow({ where: { name } });
const order = async () =>
  (await t.db.prisma.rule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }], select: { name: true } })).map(
    (rule) => rule.name,
  );
const post = (path: string, fields: Record<string, string | string[]>) =>
  submitForm(agent, '/admin/rules/new', path, fields);

describe('the rules list and form', () => {
  it('lists the built-in auto-close first, with its trigger', async () => {
    const res = await agent.get('/admin/rules');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Cierre automático');
    expect(res.text).toContain('Incorporada');
    expect(res.text).toContain('120 h en «Resuelto»');
  });

  it.each([
    ['no name', { name: '' }, 'name', 'Este campo es obligatorio.'],
    ['no action', { actionType1: '' }, 'actionType1', 'Indique al menos una acción.'],
    ['a note without text', { actionText1: '' }, 'actionText1', 'Este campo es obligatorio.'],
    ['a priority action without a priority', { actionType2: 'set_priority' }, 'actionTarget2', null],
    ['time in status without a status', { trigger: 'time_in_status', timeHours: '4' }, 'timeStatus', null],
    ['hours out of range', { trigger: 'time_in_status', timeStatus: 'NEW', timeHours: '0' }, 'timeHours', null],
  ] as const)(
    '%s: 422 with the reason at the field, what was typed kept, nothing written',
    async (_n, change, field, message) => {
      const before = await order();
      const res = await post('/admin/rules', {
        name: 'Regla mal escrita',
        trigger: 'created',
        subjectContains: 'cámara domo',
        actionType1: 'internal_note',
        actionText1: 'Revisar el grabador',
        ...change,
      });
      expect(res.status).toBe(422);
      const error = inlineError(res.text, field);
      expect(error).toBeTruthy();
      if (message) expect(error).toBe(message);
      expect(res.text).toContain('value="cámara domo"');
      expect(await order()).toEqual(before);
    },
  );

  it('creates a rule from the form, shows it in the list, and runs it on a new ticket', async () => {
    const res = await post('/admin/rules', {
      name: 'Urgente por asunto',
      trigger: 'created',
      isActive: 'on',
      subjectContains: 'urgente',
      actionType1: 'set_priority',
      actionTarget1: 'priority:CRITICAL',
      actionType2: 'internal_note',
      actionText2: 'Marcado crítico por la palabra «urgente»',
    });
    expect(res.status).toBe(302);
    const rule = await ruleNamed('Urgente por asunto');
    expect(res.headers.location).toBe(`/admin/rules/${rule.id}`);
    expect(rule.actions).toEqual([
      { type: 'set_priority', value: 'CRITICAL' },
      { type: 'internal_note', value: 'Marcado crítico por la palabra «urgente»' },
    ]);
    expect((await agent.get('/admin/rules')).text).toContain('Urgente por asunto');

    const number = await t.services.tickets.create(
      clientUser,
      {
        subject: 'URGENTE: alarma',
        description: 'Suena sin parar.',
        priority: 'LOW',
        categoryId: null,
        requesterId: null,
      },
      [],
    );
    await t.services.rules.drain();
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } })).priority).toBe('CRITICAL');
    const page = await agent.get(`/admin/rules/${rule.id}`);
    expect(page.text).toContain('Aplicada');
    expect(page.text).toContain(`TKT-${number}`);
    // The edit form shows the stored action rows back.
    expect(page.text).toMatch(/<option value="priority:CRITICAL" selected>/);
  });

  it('reorders, deactivates and deletes a rule (the built-in one cannot be deleted)', async () => {
    await post('/admin/rules', { name: 'Segunda', trigger: 'updated', actionType1: 'close' });
    const second = await ruleNamed('Segunda');
    const before = await order();
    const token = await csrfFrom(agent, '/admin/rules');
    await agent.post(`/admin/rules/${second.id}/move`).type('form').send({ direction: 'up', _csrf: token });
    const after = await order();
    expect(after.indexOf('Segunda')).toBe(before.indexOf('Segunda') - 1);

    await agent.post(`/admin/rules/${second.id}/deactivate`).type('form').send({ _csrf: token });
    expect((await ruleNamed('Segunda')).isActive).toBe(false);

    const builtIn = await t.db.prisma.rule.findUniqueOrThrow({ where: { builtIn: 'auto_close' } });
    const refused = await agent
      .post(`/admin/rules/${builtIn.id}/delete`)
      .set('Referer', `http://127.0.0.1/admin/rules/${builtIn.id}`)
      .type('form')
      .send({ _csrf: token });
    expect([302, 303, 409]).toContain(refused.status);
    expect(await t.db.prisma.rule.count({ where: { builtIn: 'auto_close' } })).toBe(1);
    expect((await agent.get(`/admin/rules/${builtIn.id}`)).text).not.toContain('Eliminar regla');

    await agent.post(`/admin/rules/${second.id}/delete`).type('form').send({ _csrf: token });
    expect(await t.db.prisma.rule.count({ where: { name: 'Segunda' } })).toBe(0);
  });

  it('the built-in auto-close: its hours and switch are editable, nothing else', async () => {
    const builtIn = await t.db.prisma.rule.findUniqueOrThrow({ where: { builtIn: 'auto_close' } });
    const bad = await submitForm(agent, `/admin/rules/${builtIn.id}`, `/admin/rules/${builtIn.id}`, {
      timeHours: 'abc',
      isActive: 'on',
    });
    expect(bad.status).toBe(422);
    expect(inlineError(bad.text, 'timeHours')).toBeTruthy();
    const ok = await submitForm(agent, `/admin/rules/${builtIn.id}`, `/admin/rules/${builtIn.id}`, {
      timeHours: '72',
      isActive: 'on',
      name: 'Otro nombre',
      actionType1: 'internal_note',
      actionText1: 'no',
    });
    expect(ok.status).toBe(302);
    const after = await t.db.prisma.rule.findUniqueOrThrow({ where: { id: builtIn.id } });
    expect(after.timeHours).toBe(72);
    expect(after.name).toBe(builtIn.name);
    expect(after.actions).toEqual([{ type: 'close' }]);
    // The settings page no longer has its own auto-close days: it points here.
    const settings = await agent.get('/admin/settings');
    expect(settings.text).not.toContain('name="autoCloseDays"');
    expect(settings.text).toContain('href="/admin/rules"');
  });

  it('dry run lists the recent tickets the conditions match, with links, and changes nothing', async () => {
    await post('/admin/rules', {
      name: 'Domos',
      trigger: 'updated',
      subjectContains: 'domo',
      actionType1: 'close',
    });
    const rule = await ruleNamed('Domos');
    const file = (subject: string) =>
      t.services.tickets.create(
        clientUser,
        { subject, description: 'x', priority: 'MEDIUM', categoryId: null, requesterId: null },
        [],
      );
    const domo = await file('Domo 4 sin imagen');
    const other = await file('Teclado de alarma roto');
    const res = await agent.get(`/admin/rules/${rule.id}/dry-run`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`href="/tickets/TKT-${domo}"`);
    expect(res.text).not.toContain(`TKT-${other}`);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number: domo } })).status).toBe('NEW');
  });
});

describe('who may manage rules', () => {
  it.each(['SUPPORT', 'TECHNICIAN', 'CLIENT'] as const)('a %s gets 403 and cannot write', async (role) => {
    const builtIn = await t.db.prisma.rule.findUniqueOrThrow({ where: { builtIn: 'auto_close' } });
    const user = await createUser(t.db.prisma, { role });
    const other = await loginAs(t.app, user.email);
    for (const path of [
      '/admin/rules',
      '/admin/rules/new',
      `/admin/rules/${builtIn.id}`,
      `/admin/rules/${builtIn.id}/dry-run`,
    ]) {
      expect((await other.get(path)).status).toBe(403);
    }
    const token = await csrfFrom(other, '/account');
    const before = await order();
    for (const [path, fields] of [
      ['/admin/rules', { name: 'Intrusa', trigger: 'created', actionType1: 'close' }],
      [`/admin/rules/${builtIn.id}`, { timeHours: '1', isActive: 'on' }],
      [`/admin/rules/${builtIn.id}/move`, { direction: 'down' }],
      [`/admin/rules/${builtIn.id}/deactivate`, {}],
      [`/admin/rules/${builtIn.id}/delete`, {}],
    ] as const) {
      const res = await other
        .post(path)
        .type('form')
        .send({ ...fields, _csrf: token });
      expect(res.status).toBe(403);
    }
    expect(await order()).toEqual(before);
    const after = await t.db.prisma.rule.findUniqueOrThrow({ where: { id: builtIn.id } });
    expect(after.isActive).toBe(builtIn.isActive);
    expect(after.timeHours).toBe(builtIn.timeHours);
  });

  it('a POST without the CSRF token is refused', async () => {
    const res = await agent
      .post('/admin/rules')
      .type('form')
      .send({ name: 'Sin token', trigger: 'created', actionType1: 'close' });
    expect(res.status).toBe(403);
    expect(await t.db.prisma.rule.count({ where: { name: 'Sin token' } })).toBe(0);
  });
});
