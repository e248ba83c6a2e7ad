// Admins manage accounts: create, edit, deactivate, reset passwords, and find them in the list.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Agent,
  createTestApp,
  csrfFrom,
  loginAs,
  submitForm,
  TEST_PASSWORD,
  type TestApp,
} from '../helpers/app.js';
import { createDepartment, createOrganization, createUser } from '../helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/** The text of the inline error shown under a form field, if any. */
const inlineError = (html: string, field: string) =>
  new RegExp(`id="f-${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1]?.trim();

async function signInAsAdmin(): Promise<{ admin: { id: number; email: string }; agent: Agent }> {
  const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
  return { admin, agent: await loginAs(t.app, admin.email) };
}

/** What a browser sends for the new-user form, with overrides. */
function newUserForm(overrides: Record<string, string | string[]> = {}) {
  return {
    name: 'Lucía Fernández',
    email: `lucia-${Math.random().toString(36).slice(2, 8)}@cliente.test`,
    phone: '+54 11 5555-1234',
    role: 'SUPPORT',
    organizationId: '',
    locale: 'es',
    password: 'una contraseña larga',
    passwordConfirm: 'una contraseña larga',
    ...overrides,
  };
}

/** The form fields of an existing user, as the edit page would send them. */
function editForm(user: { name: string; email: string; role: string; organizationId: number | null }) {
  return {
    name: user.name,
    email: user.email,
    phone: '',
    role: user.role,
    organizationId: user.organizationId === null ? '' : String(user.organizationId),
    locale: '',
  };
}

const canSignIn = async (email: string, password: string) => {
  const agent = request.agent(t.app);
  const res = await submitForm(agent, '/login', '/login', { email, password });
  return res.status === 302;
};

describe('creating a user', () => {
  it('creates a client in their organization, stores the e-mail lower-cased and redirects to the user', async () => {
    const { agent } = await signInAsAdmin();
    const org = await createOrganization(t.db.prisma);
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({
        email: 'Marta.Gomez@Cliente.TEST',
        name: 'Marta Gómez',
        role: 'CLIENT',
        organizationId: String(org.id),
        isOrgManager: 'on',
      }),
    );
    expect(res.status).toBe(302);
    const created = await t.db.prisma.user.findUniqueOrThrow({ where: { email: 'marta.gomez@cliente.test' } });
    expect(res.headers.location).toBe(`/admin/users/${created.id}`);
    expect(created).toMatchObject({
      name: 'Marta Gómez',
      role: 'CLIENT',
      organizationId: org.id,
      isOrgManager: true,
      phone: '+54 11 5555-1234',
      locale: 'es',
      isActive: true,
    });
    const page = await agent.get(res.headers.location as string);
    expect(page.text).toContain('Usuario Marta Gómez creado.');
    expect(await canSignIn('marta.gomez@cliente.test', 'una contraseña larga')).toBe(true);
  });

  it('creates a technician with their departments', async () => {
    const { agent } = await signInAsAdmin();
    const cctv = await createDepartment(t.db.prisma);
    const alarms = await createDepartment(t.db.prisma);
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({
        email: 'tecnico.nuevo@centinela.test',
        role: 'TECHNICIAN',
        departmentIds: [String(cctv.id), String(alarms.id)],
      }),
    );
    expect(res.status).toBe(302);
    const created = await t.db.prisma.user.findUniqueOrThrow({
      where: { email: 'tecnico.nuevo@centinela.test' },
      include: { departments: true },
    });
    expect(created.role).toBe('TECHNICIAN');
    expect(created.departments.map((d) => d.departmentId).sort()).toEqual([cctv.id, alarms.id].sort());
  });
});

describe('when the new-user form is invalid, it answers 422, keeps what was typed and writes nothing', () => {
  it('when the name is empty', async () => {
    const { agent } = await signInAsAdmin();
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({ name: '', email: 'sin.nombre@cliente.test' }),
    );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'name')).toBe('Este campo es obligatorio.');
    expect(res.text).toContain('value="sin.nombre@cliente.test"');
    expect(res.text).toContain('value="+54 11 5555-1234"');
    expect(res.text).not.toContain('una contraseña larga');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when the name is 10,000 characters', async () => {
    const { agent } = await signInAsAdmin();
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({ name: 'x'.repeat(10_000), email: 'nombre.largo@cliente.test' }),
    );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'name')).toBe('Demasiado largo: máximo 120 caracteres.');
    expect(res.text).toContain('value="nombre.largo@cliente.test"');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when the e-mail already exists in another case', async () => {
    const { agent } = await signInAsAdmin();
    await createUser(t.db.prisma, { email: 'a@x.test', role: 'SUPPORT' });
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({ name: 'Duplicada Díaz', email: 'A@X.TEST' }),
    );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'email')).toBe('Ya existe un usuario con este correo electrónico.');
    expect(res.text).toContain('value="Duplicada Díaz"');
    expect(res.text).toContain('value="A@X.TEST"');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when the name is not valid UTF-8', async () => {
    const { agent } = await signInAsAdmin();
    const token = await csrfFrom(agent, '/admin/users/new');
    const before = await t.db.prisma.user.count();
    const res = await agent
      .post('/admin/users')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(
        [
          'name=%FF%FE',
          'email=bytes.rotos%40cliente.test',
          'phone=%2B54+11+4444-0000',
          'role=SUPPORT',
          'password=una+contrase%C3%B1a+larga',
          'passwordConfirm=una+contrase%C3%B1a+larga',
          `_csrf=${encodeURIComponent(token)}`,
        ].join('&'),
      );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'name')).toBe('Contiene caracteres no válidos.');
    expect(res.text).toContain('value="bytes.rotos@cliente.test"');
    expect(res.text).toContain('value="+54 11 4444-0000"');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when the name holds a null byte', async () => {
    const { agent } = await signInAsAdmin();
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({ name: 'Nulo\u0000Núñez', email: 'byte.nulo@cliente.test' }),
    );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'name')).toBe('Contiene caracteres no válidos.');
    expect(res.text).toContain('value="byte.nulo@cliente.test"');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when the form carries more fields than any form of ours has (300 department boxes)', async () => {
    const { agent } = await signInAsAdmin();
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({
        email: 'muchos.campos@cliente.test',
        role: 'TECHNICIAN',
        departmentIds: Array.from({ length: 300 }, (_, i) => String(i + 1)),
      }),
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('Lo enviado es demasiado grande.');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when a client has no organization', async () => {
    const { agent } = await signInAsAdmin();
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({ name: 'Cliente Suelto', email: 'suelto@cliente.test', role: 'CLIENT' }),
    );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'organizationId')).toBe('Un cliente debe pertenecer a una organización.');
    expect(res.text).toContain('value="Cliente Suelto"');
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it('when the passwords do not match', async () => {
    const { agent } = await signInAsAdmin();
    const before = await t.db.prisma.user.count();
    const res = await submitForm(
      agent,
      '/admin/users/new',
      '/admin/users',
      newUserForm({ email: 'distintas@cliente.test', passwordConfirm: 'otra contraseña larga' }),
    );
    expect(res.status).toBe(422);
    expect(inlineError(res.text, 'passwordConfirm')).toBe('Las contraseñas no coinciden.');
    expect(await t.db.prisma.user.count()).toBe(before);
  });
});

describe('editing a user', () => {
  it('turns a client into a technician: departments saved, organization dropped', async () => {
    const { agent } = await signInAsAdmin();
    const client = await createUser(t.db.prisma, { role: 'CLIENT', isOrgManager: true });
    const cctv = await createDepartment(t.db.prisma);
    const network = await createDepartment(t.db.prisma);
    const res = await submitForm(agent, `/admin/users/${client.id}`, `/admin/users/${client.id}`, {
      ...editForm(client),
      role: 'TECHNICIAN',
      departmentIds: [String(cctv.id), String(network.id)],
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/admin/users/${client.id}`);
    const saved = await t.db.prisma.user.findUniqueOrThrow({
      where: { id: client.id },
      include: { departments: true },
    });
    expect(saved.role).toBe('TECHNICIAN');
    expect(saved.organizationId).toBeNull();
    expect(saved.isOrgManager).toBe(false);
    expect(saved.departments.map((d) => d.departmentId).sort()).toEqual([cctv.id, network.id].sort());

    // The page shows the saved departments ticked.
    const page = await agent.get(`/admin/users/${client.id}`);
    expect(page.text).toMatch(new RegExp(`name="departmentIds" value="${cctv.id}" checked`));
    expect(page.text).toMatch(new RegExp(`name="departmentIds" value="${network.id}" checked`));
  });

  it("replaces a technician's departments when they change", async () => {
    const { agent } = await signInAsAdmin();
    const tech = await createUser(t.db.prisma, { role: 'TECHNICIAN' });
    const [a, b, c] = [
      await createDepartment(t.db.prisma),
      await createDepartment(t.db.prisma),
      await createDepartment(t.db.prisma),
    ];
    await t.db.prisma.userDepartment.createMany({
      data: [
        { userId: tech.id, departmentId: a.id },
        { userId: tech.id, departmentId: b.id },
      ],
    });
    const res = await submitForm(agent, `/admin/users/${tech.id}`, `/admin/users/${tech.id}`, {
      ...editForm(tech),
      departmentIds: [String(c.id)],
    });
    expect(res.status).toBe(302);
    const rows = await t.db.prisma.userDepartment.findMany({ where: { userId: tech.id } });
    expect(rows.map((row) => row.departmentId)).toEqual([c.id]);
  });

  it('a technician keeps a retired department when their page is saved unchanged', async () => {
    const { agent } = await signInAsAdmin();
    const tech = await createUser(t.db.prisma, { role: 'TECHNICIAN' });
    const active = await createDepartment(t.db.prisma);
    const retired = await createDepartment(t.db.prisma);
    await t.db.prisma.userDepartment.createMany({
      data: [
        { userId: tech.id, departmentId: active.id },
        { userId: tech.id, departmentId: retired.id },
      ],
    });
    await t.db.prisma.department.update({ where: { id: retired.id }, data: { isActive: false } });

    const page = await agent.get(`/admin/users/${tech.id}`);
    // What the browser sends back: the boxes ticked on the page.
    const ticked = [...page.text.matchAll(/name="departmentIds" value="(\d+)" checked/g)].map((m) => m[1] as string);
    expect(ticked.sort()).toEqual([String(active.id), String(retired.id)].sort());
    const res = await submitForm(agent, `/admin/users/${tech.id}`, `/admin/users/${tech.id}`, {
      ...editForm(tech),
      departmentIds: ticked,
    });
    expect(res.status).toBe(302);
    const rows = await t.db.prisma.userDepartment.findMany({ where: { userId: tech.id } });
    expect(rows.map((row) => row.departmentId).sort()).toEqual([active.id, retired.id].sort());
    // A retired department is not offered to anyone else.
    expect((await agent.get('/admin/users/new')).text).not.toContain(`value="${retired.id}"`);
  });

  describe('when a client is left without an organization', () => {
    it('answers 422 with the reason inline and changes nothing', async () => {
      const { agent } = await signInAsAdmin();
      const tech = await createUser(t.db.prisma, { role: 'TECHNICIAN', name: 'Técnico Por Cambiar' });
      const res = await submitForm(agent, `/admin/users/${tech.id}`, `/admin/users/${tech.id}`, {
        ...editForm(tech),
        name: 'Nombre Nuevo Sin Guardar',
        role: 'CLIENT',
        organizationId: '',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'organizationId')).toBe('Un cliente debe pertenecer a una organización.');
      expect(res.text).toContain('value="Nombre Nuevo Sin Guardar"');
      const after = await t.db.prisma.user.findUniqueOrThrow({ where: { id: tech.id } });
      expect(after.role).toBe('TECHNICIAN');
      expect(after.name).toBe('Técnico Por Cambiar');
    });
  });

  describe('when the new e-mail belongs to someone else in another case', () => {
    it('answers 422 and changes nothing', async () => {
      const { agent } = await signInAsAdmin();
      const other = await createUser(t.db.prisma, { role: 'SUPPORT' });
      const user = await createUser(t.db.prisma, { role: 'SUPPORT' });
      const res = await submitForm(agent, `/admin/users/${user.id}`, `/admin/users/${user.id}`, {
        ...editForm(user),
        email: other.email.toUpperCase(),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'email')).toBe('Ya existe un usuario con este correo electrónico.');
      expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    });
  });

  describe('when the name is 10,000 characters', () => {
    it('answers 422 and changes nothing', async () => {
      const { agent } = await signInAsAdmin();
      const user = await createUser(t.db.prisma, { role: 'SUPPORT' });
      const res = await submitForm(agent, `/admin/users/${user.id}`, `/admin/users/${user.id}`, {
        ...editForm(user),
        name: 'y'.repeat(10_000),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Demasiado largo: máximo 120 caracteres.');
      expect(res.text).toContain(`value="${user.email}"`);
      expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe(user.name);
    });
  });

  it('answers 404 for a user that does not exist', async () => {
    const { agent } = await signInAsAdmin();
    expect((await agent.get('/admin/users/999999')).status).toBe(404);
    expect((await agent.get('/admin/users/abc')).status).toBe(404);
  });
});

describe('deactivating and reactivating', () => {
  it('a deactivated user cannot sign in; once reactivated they can again', async () => {
    const { agent } = await signInAsAdmin();
    const user = await createUser(t.db.prisma, { role: 'SUPPORT' });

    const off = await submitForm(agent, `/admin/users/${user.id}`, `/admin/users/${user.id}/deactivate`, {});
    expect(off.status).toBe(302);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).isActive).toBe(false);
    expect(await canSignIn(user.email, TEST_PASSWORD)).toBe(false);
    const page = await agent.get(`/admin/users/${user.id}`);
    expect(page.text).toContain('Usuario desactivado; sus sesiones se cerraron.');
    expect(page.text).toContain('Reactivar usuario');

    const on = await submitForm(agent, `/admin/users/${user.id}`, `/admin/users/${user.id}/reactivate`, {});
    expect(on.status).toBe(302);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).isActive).toBe(true);
    expect(await canSignIn(user.email, TEST_PASSWORD)).toBe(true);
  });

  describe('when an admin tries to deactivate themselves', () => {
    it('answers 409 with the reason and they stay active', async () => {
      const { admin, agent } = await signInAsAdmin();
      const res = await submitForm(agent, `/admin/users/${admin.id}`, `/admin/users/${admin.id}/deactivate`, {});
      expect(res.status).toBe(409);
      expect(res.text).toContain('No puede desactivar su propia cuenta.');
      expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).isActive).toBe(true);
      expect((await agent.get('/admin/users')).status).toBe(200);
    });

    it('coming from the user page, goes back there with the reason', async () => {
      const { admin, agent } = await signInAsAdmin();
      const token = await csrfFrom(agent, `/admin/users/${admin.id}`);
      const res = await agent
        .post(`/admin/users/${admin.id}/deactivate`)
        .set('Host', 'centinela.test')
        .set('Referer', `http://centinela.test/admin/users/${admin.id}`)
        .type('form')
        .send({ _csrf: token });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/users/${admin.id}`);
      const back = await agent.get(res.headers.location as string);
      expect(back.text).toContain('No puede desactivar su propia cuenta.');
      expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).isActive).toBe(true);
    });
  });
});

describe('resetting a password', () => {
  it('the old password stops working and the new one works', async () => {
    const { agent } = await signInAsAdmin();
    const user = await createUser(t.db.prisma, { role: 'TECHNICIAN' });
    const userAgent = await loginAs(t.app, user.email);
    const res = await submitForm(agent, `/admin/users/${user.id}`, `/admin/users/${user.id}/password`, {
      password: 'nueva frase secreta',
      passwordConfirm: 'nueva frase secreta',
    });
    expect(res.status).toBe(302);
    expect(await canSignIn(user.email, TEST_PASSWORD)).toBe(false);
    expect(await canSignIn(user.email, 'nueva frase secreta')).toBe(true);
    // Their open session ended.
    expect((await userAgent.get('/work')).status).toBe(302);
  });

  describe('when the new password is too short', () => {
    it('answers 422 with the reason and the old password still works', async () => {
      const { agent } = await signInAsAdmin();
      const user = await createUser(t.db.prisma, { role: 'SUPPORT' });
      const res = await submitForm(agent, `/admin/users/${user.id}`, `/admin/users/${user.id}/password`, {
        password: 'corta',
        passwordConfirm: 'corta',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'password')).toBe('La contraseña debe tener al menos 10 caracteres.');
      expect(res.text).toContain(`value="${user.email}"`);
      expect(await canSignIn(user.email, TEST_PASSWORD)).toBe(true);
    });
  });
});

describe('the last active admin', () => {
  async function makeSoleAdmin() {
    await t.db.prisma.user.updateMany({ where: { role: 'ADMIN' }, data: { isActive: false } });
    return signInAsAdmin();
  }

  describe('when they try to demote themselves', () => {
    it('answers 409 "Debe quedar al menos un administrador activo." and stays admin', async () => {
      const { admin, agent } = await makeSoleAdmin();
      const self = await t.db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
      const res = await submitForm(agent, `/admin/users/${admin.id}`, `/admin/users/${admin.id}`, {
        ...editForm(self),
        role: 'SUPPORT',
      });
      expect(res.status).toBe(409);
      expect(res.text).toContain('Debe quedar al menos un administrador activo.');
      expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe('ADMIN');
    });
  });

  describe('when they try to deactivate themselves', () => {
    it('is refused and stays active', async () => {
      const { admin, agent } = await makeSoleAdmin();
      const res = await submitForm(agent, `/admin/users/${admin.id}`, `/admin/users/${admin.id}/deactivate`, {});
      expect(res.status).toBe(409);
      expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).isActive).toBe(true);
    });
  });

  it('with another active admin, one admin may demote the other', async () => {
    const { agent } = await makeSoleAdmin();
    const other = await createUser(t.db.prisma, { role: 'ADMIN' });
    const res = await submitForm(agent, `/admin/users/${other.id}`, `/admin/users/${other.id}`, {
      ...editForm(other),
      role: 'SUPPORT',
    });
    expect(res.status).toBe(302);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: other.id } })).role).toBe('SUPPORT');
  });

  describe('when the two remaining admins deactivate each other at the same moment', () => {
    it('only one succeeds and an active admin remains', async () => {
      for (let round = 0; round < 5; round++) {
        const { admin: a, agent: agentA } = await makeSoleAdmin();
        const { admin: b, agent: agentB } = await signInAsAdmin();
        const tokenA = await csrfFrom(agentA, '/admin/users');
        const tokenB = await csrfFrom(agentB, '/admin/users');
        const results = await Promise.all([
          agentA.post(`/admin/users/${b.id}/deactivate`).type('form').send({ _csrf: tokenA }),
          agentB.post(`/admin/users/${a.id}/deactivate`).type('form').send({ _csrf: tokenB }),
        ]);
        // The loser is refused: 409 if both checks overlapped, or 401 if the winner's commit had
        // already deactivated (and signed out) the loser by the time their request was read.
        const statuses = results.map((r) => r.status).sort();
        expect(statuses[0]).toBe(302);
        expect([401, 409]).toContain(statuses[1]);
        expect(await t.db.prisma.user.count({ where: { role: 'ADMIN', isActive: true } })).toBe(1);
      }
    });
  });

  describe('when the two remaining admins demote each other at the same moment', () => {
    it('only one succeeds and an active admin remains', async () => {
      for (let round = 0; round < 5; round++) {
        const { admin: a, agent: agentA } = await makeSoleAdmin();
        const { admin: b, agent: agentB } = await signInAsAdmin();
        const [rowA, rowB] = await Promise.all([
          t.db.prisma.user.findUniqueOrThrow({ where: { id: a.id } }),
          t.db.prisma.user.findUniqueOrThrow({ where: { id: b.id } }),
        ]);
        const tokenA = await csrfFrom(agentA, '/admin/users');
        const tokenB = await csrfFrom(agentB, '/admin/users');
        const results = await Promise.all([
          agentA
            .post(`/admin/users/${b.id}`)
            .type('form')
            .send({ ...editForm(rowB), role: 'SUPPORT', _csrf: tokenA }),
          agentB
            .post(`/admin/users/${a.id}`)
            .type('form')
            .send({ ...editForm(rowA), role: 'SUPPORT', _csrf: tokenB }),
        ]);
        // 409 if both checks overlapped, or 403 if the loser was no longer an admin when read.
        const statuses = results.map((r) => r.status).sort();
        expect(statuses[0]).toBe(302);
        expect([403, 409]).toContain(statuses[1]);
        expect(await t.db.prisma.user.count({ where: { role: 'ADMIN', isActive: true } })).toBe(1);
      }
    });
  });
});

describe('the users list', () => {
  const rowsOf = (html: string) =>
    [...html.matchAll(/<td><a href="\/admin\/users\/(\d+)">([^<]*)<\/a>/g)].map((m) => ({
      id: Number(m[1]),
      name: m[2] as string,
    }));
  const linkOf = (html: string, rel: 'next' | 'prev') => {
    const href = new RegExp(`href="\\?([^"]*)" rel="${rel}"`).exec(html)?.[1];
    return href === undefined ? undefined : new URLSearchParams(href.replaceAll('&amp;', '&'));
  };

  it('finds users by a piece of the name, in any case', async () => {
    const { agent } = await signInAsAdmin();
    const found = await createUser(t.db.prisma, { role: 'SUPPORT', name: 'Ramiro Zabaleta' });
    const other = await createUser(t.db.prisma, { role: 'SUPPORT', name: 'Otro Nombre' });
    const res = await agent.get('/admin/users').query({ q: 'zabal' });
    expect(res.status).toBe(200);
    const ids = rowsOf(res.text).map((row) => row.id);
    expect(ids).toContain(found.id);
    expect(ids).not.toContain(other.id);
  });

  it('finds users by a piece of the e-mail, in any case', async () => {
    const { agent } = await signInAsAdmin();
    const found = await createUser(t.db.prisma, { role: 'SUPPORT', email: 'julieta@ferreteria-quintana.test' });
    const other = await createUser(t.db.prisma, { role: 'SUPPORT' });
    const res = await agent.get('/admin/users').query({ q: 'Ferreteria-Quin' });
    const ids = rowsOf(res.text).map((row) => row.id);
    expect(ids).toEqual([found.id]);
    expect(ids).not.toContain(other.id);
    expect(res.text).toContain('value="Ferreteria-Quin"');
  });

  it('answers a search for odd characters without failing, and matches % literally', async () => {
    const { agent } = await signInAsAdmin();
    for (const q of ['\u0000', '%', '_', '\\', "' OR 1=1 --", '\uFFFD', 'q'.repeat(500)]) {
      const res = await agent.get('/admin/users').query({ q });
      expect(res.status, JSON.stringify(q)).toBe(200);
    }
    const res = await agent.get('/admin/users?q=%FF%FE');
    expect(res.status).toBe(200);
    // Wildcards are searched for literally.
    const percent = await createUser(t.db.prisma, { role: 'SUPPORT', name: 'Descuento 100% Garantizado' });
    await createUser(t.db.prisma, { role: 'SUPPORT', name: 'Descuento 100 Sin Porcentaje' });
    const hits = await agent.get('/admin/users').query({ q: '0%' });
    expect(rowsOf(hits.text).map((row) => row.id)).toEqual([percent.id]);
  });

  it('shows a message when nothing matches', async () => {
    const { agent } = await signInAsAdmin();
    const res = await agent.get('/admin/users').query({ q: 'no-existe-nadie-así' });
    expect(res.status).toBe(200);
    expect(rowsOf(res.text)).toEqual([]);
    expect(res.text).toContain('Ningún usuario coincide con la búsqueda.');
  });

  it('filters by role', async () => {
    const { agent } = await signInAsAdmin();
    const tech = await createUser(t.db.prisma, { role: 'TECHNICIAN', name: 'Filtro Técnico' });
    const client = await createUser(t.db.prisma, { role: 'CLIENT', name: 'Filtro Cliente' });
    const res = await agent.get('/admin/users').query({ q: 'Filtro', role: 'TECHNICIAN' });
    const ids = rowsOf(res.text).map((row) => row.id);
    expect(ids).toEqual([tech.id]);
    expect(ids).not.toContain(client.id);
    const roles = await t.db.prisma.user.findMany({
      where: { id: { in: rowsOf((await agent.get('/admin/users?role=TECHNICIAN')).text).map((r) => r.id) } },
      select: { role: true },
    });
    expect(new Set(roles.map((r) => r.role))).toEqual(new Set(['TECHNICIAN']));
  });

  it('shows deactivated users only when asked', async () => {
    const { agent } = await signInAsAdmin();
    const gone = await createUser(t.db.prisma, { role: 'SUPPORT', name: 'Estado Inactivo', isActive: false });
    expect(rowsOf((await agent.get('/admin/users').query({ q: 'Estado Inactivo' })).text)).toEqual([]);
    const inactive = await agent.get('/admin/users').query({ q: 'Estado Inactivo', status: 'inactive' });
    expect(rowsOf(inactive.text).map((row) => row.id)).toEqual([gone.id]);
  });

  it('pages through 60 users 25 at a time: each appears exactly once, in name order, forwards and back', async () => {
    const { agent } = await signInAsAdmin();
    const created: { id: number; name: string }[] = [];
    // Pairs share a name, so a page boundary falls between two users of the same name.
    for (let i = 0; i < 60; i++) {
      const name = `Paginado ${String(Math.floor(i / 2)).padStart(2, '0')}`;
      created.push(await createUser(t.db.prisma, { role: 'SUPPORT', name }));
    }
    const expected = [...created].sort((x, y) => (x.name === y.name ? x.id - y.id : x.name < y.name ? -1 : 1));

    const pages: { id: number; name: string }[][] = [];
    let query: URLSearchParams | undefined = new URLSearchParams({ q: 'Paginado' });
    const forwardHtml: string[] = [];
    while (query) {
      const res = await agent.get(`/admin/users?${query.toString()}`);
      expect(res.status).toBe(200);
      pages.push(rowsOf(res.text));
      forwardHtml.push(res.text);
      const next = linkOf(res.text, 'next');
      query = next?.has('after') ? next : undefined;
      expect(pages.length).toBeLessThanOrEqual(3);
    }
    expect(pages.map((page) => page.length)).toEqual([25, 25, 10]);
    expect(pages.flat().map((row) => row.id)).toEqual(expected.map((user) => user.id));
    expect(new Set(pages.flat().map((row) => row.id)).size).toBe(60);
    // The filter travels with the cursor.
    expect(linkOf(forwardHtml[0] as string, 'next')?.get('q')).toBe('Paginado');
    // The first page offers no way back; the last no way forward.
    expect(linkOf(forwardHtml[0] as string, 'prev')?.has('before')).toBe(false);
    expect(linkOf(forwardHtml[2] as string, 'next')?.has('after')).toBe(false);
    expect(forwardHtml[0]).toContain('Siguiente');

    // Back from the last page with "Anterior": the same pages, in the same order.
    const backwards: { id: number; name: string }[][] = [];
    let prev = linkOf(forwardHtml[2] as string, 'prev');
    expect(prev?.has('before')).toBe(true);
    while (prev?.has('before')) {
      const res = await agent.get(`/admin/users?${prev.toString()}`);
      expect(res.status).toBe(200);
      backwards.unshift(rowsOf(res.text));
      prev = linkOf(res.text, 'prev');
      expect(backwards.length).toBeLessThanOrEqual(2);
    }
    expect(backwards).toEqual([pages[0], pages[1]]);
  });

  it('ignores a cursor that was tampered with', async () => {
    const { agent } = await signInAsAdmin();
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const query of [
      { after: 'not-a-cursor' },
      { before: '%%%' },
      { after: cursor([5, 1]) },
      { before: cursor([true, 1]) },
      { after: cursor(['Ana', 1.5]) },
      { after: cursor({ a: 1 }) },
      { after: 'x'.repeat(600) },
      { after: cursor(['Ana', 2 ** 40]) },
      { after: cursor(['\u0000', 1]) },
    ]) {
      const res = await agent.get('/admin/users').query(query);
      expect(res.status, JSON.stringify(query)).toBe(200);
    }
  });
});
