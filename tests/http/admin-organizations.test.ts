// Admins manage client organizations: create, edit, nest under a parent, delete when unused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createOrganization, createUser } from '../helpers/factories.js';

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

type Org = { id: number; name: string; taxId: string | null; phone: string | null; address: string | null };

/** The form fields of an organization, as its edit page would send them. */
const formOf = (org: Org, parentId: number | null = null) => ({
  name: org.name,
  taxId: org.taxId ?? '',
  phone: org.phone ?? '',
  address: org.address ?? '',
  parentId: parentId === null ? '' : String(parentId),
});

const countOrgs = () => t.db.prisma.organization.count();

describe('creating an organization', () => {
  it('saves every field, redirects to the list and shows it there', async () => {
    const parent = await createOrganization(t.db.prisma, { name: 'Consultora Del Plata' });
    const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
      name: '  Ferretería Quintana S.R.L.  ',
      taxId: '30-71555555-1',
      phone: '+54 11 4000-1111',
      address: 'Av. Rivadavia 5000, CABA',
      parentId: String(parent.id),
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/organizations');
    const saved = await t.db.prisma.organization.findUniqueOrThrow({ where: { name: 'Ferretería Quintana S.R.L.' } });
    expect(saved).toMatchObject({
      taxId: '30-71555555-1',
      phone: '+54 11 4000-1111',
      address: 'Av. Rivadavia 5000, CABA',
      parentId: parent.id,
    });
    const list = await agent.get('/admin/organizations');
    expect(list.text).toContain('Organización Ferretería Quintana S.R.L. creada.');
    expect(list.text).toContain(`href="/admin/organizations/${saved.id}"`);
  });

  it('stores empty optional fields as empty (null), not as blank text', async () => {
    const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
      name: 'Sólo Nombre S.A.',
      taxId: '',
      phone: '   ',
      address: '',
      parentId: '',
    });
    expect(res.status).toBe(302);
    const saved = await t.db.prisma.organization.findUniqueOrThrow({ where: { name: 'Sólo Nombre S.A.' } });
    expect(saved).toMatchObject({ taxId: null, phone: null, address: null, parentId: null });
  });

  describe('when the name already exists in another case', () => {
    it('answers 422 "Ya existe otro con este nombre.", keeps the input and writes nothing', async () => {
      await createOrganization(t.db.prisma, { name: 'Clínica Del Sol' });
      const before = await countOrgs();
      const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
        name: 'CLÍNICA DEL SOL',
        taxId: '30-1',
        phone: '+54 341 000',
        address: 'Calle Falsa 123',
        parentId: '',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Ya existe otro con este nombre.');
      expect(res.text).toContain('value="CLÍNICA DEL SOL"');
      expect(res.text).toContain('value="Calle Falsa 123"');
      expect(await countOrgs()).toBe(before);
    });
  });

  it('compares names literally: % and _ are not wildcards', async () => {
    await createOrganization(t.db.prisma, { name: 'Empresa Norte' });
    await createOrganization(t.db.prisma, { name: 'Grupo ABC' });
    for (const name of ['Empresa%', '%', 'Grupo A_C']) {
      const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
        name,
        taxId: '',
        phone: '',
        address: '',
        parentId: '',
      });
      expect(res.status, name).toBe(302);
    }
    // …while the same name with a wildcard in another case is still a duplicate.
    const before = await countOrgs();
    const dup = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
      name: 'grupo a_c',
      taxId: '',
      phone: '',
      address: '',
      parentId: '',
    });
    expect(dup.status).toBe(422);
    expect(inlineError(dup.text, 'name')).toBe('Ya existe otro con este nombre.');
    expect(await countOrgs()).toBe(before);
  });

  describe('when the name is 10,000 characters', () => {
    it('answers 422 with the limit, keeps the other fields and writes nothing', async () => {
      const before = await countOrgs();
      const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
        name: 'n'.repeat(10_000),
        taxId: '30-99999999-9',
        phone: '',
        address: '',
        parentId: '',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Demasiado largo: máximo 160 caracteres.');
      expect(res.text).toContain('value="30-99999999-9"');
      expect(await countOrgs()).toBe(before);
    });
  });

  describe('when the name is empty', () => {
    it('answers 422 and writes nothing', async () => {
      const before = await countOrgs();
      const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
        name: '   ',
        taxId: '',
        phone: '',
        address: 'Dirección sin nombre',
        parentId: '',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Este campo es obligatorio.');
      expect(res.text).toContain('value="Dirección sin nombre"');
      expect(await countOrgs()).toBe(before);
    });
  });

  describe('when the name is not valid UTF-8', () => {
    it('answers 422 "Contiene caracteres no válidos." and writes nothing', async () => {
      const token = await csrfFrom(agent, '/admin/organizations/new');
      const before = await countOrgs();
      const res = await agent
        .post('/admin/organizations')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(`name=Org%FF%FE&taxId=30-123&phone=&address=&parentId=&_csrf=${encodeURIComponent(token)}`);
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Contiene caracteres no válidos.');
      expect(res.text).toContain('value="30-123"');
      expect(await countOrgs()).toBe(before);
    });
  });

  describe('when the parent does not exist', () => {
    it('answers 422 and writes nothing', async () => {
      const before = await countOrgs();
      const res = await submitForm(agent, '/admin/organizations/new', '/admin/organizations', {
        name: 'Huérfana S.A.',
        taxId: '',
        phone: '',
        address: '',
        parentId: '999999',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'parentId')).toBe('Elija una opción de la lista.');
      expect(await countOrgs()).toBe(before);
    });
  });
});

describe('editing an organization', () => {
  it('saves the changes', async () => {
    const org = await createOrganization(t.db.prisma, { name: 'Nombre Viejo S.A.' });
    const res = await submitForm(agent, `/admin/organizations/${org.id}`, `/admin/organizations/${org.id}`, {
      ...formOf(org),
      name: 'Nombre Nuevo S.A.',
      taxId: '30-11111111-1',
    });
    expect(res.status).toBe(302);
    const saved = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(saved.name).toBe('Nombre Nuevo S.A.');
    expect(saved.taxId).toBe('30-11111111-1');
  });

  it('may change only the case of its own name', async () => {
    const org = await createOrganization(t.db.prisma, { name: 'minúsculas s.a.' });
    const res = await submitForm(agent, `/admin/organizations/${org.id}`, `/admin/organizations/${org.id}`, {
      ...formOf(org),
      name: 'Minúsculas S.A.',
    });
    expect(res.status).toBe(302);
    expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).name).toBe('Minúsculas S.A.');
  });

  describe("when the new name is another organization's, in another case", () => {
    it('answers 422 and changes nothing', async () => {
      await createOrganization(t.db.prisma, { name: 'Ocupado S.A.' });
      const org = await createOrganization(t.db.prisma, { name: 'Libre S.A.' });
      const res = await submitForm(agent, `/admin/organizations/${org.id}`, `/admin/organizations/${org.id}`, {
        ...formOf(org),
        name: 'ocupado s.a.',
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Ya existe otro con este nombre.');
      expect(res.text).toContain('value="ocupado s.a."');
      expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).name).toBe('Libre S.A.');
    });
  });

  describe('when the name is 10,000 characters', () => {
    it('answers 422 and changes nothing', async () => {
      const org = await createOrganization(t.db.prisma, { name: 'Larga Edición S.A.' });
      const res = await submitForm(agent, `/admin/organizations/${org.id}`, `/admin/organizations/${org.id}`, {
        ...formOf(org),
        name: 'z'.repeat(10_000),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'name')).toBe('Demasiado largo: máximo 160 caracteres.');
      expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).name).toBe(
        'Larga Edición S.A.',
      );
    });
  });

  describe('when the chosen parent depends on it (A is the parent of B; B is set as the parent of A)', () => {
    it('answers 422 with the reason and the tree is unchanged', async () => {
      const a = await createOrganization(t.db.prisma, { name: 'Grupo A' });
      const b = await createOrganization(t.db.prisma, { name: 'Empresa B', parentId: a.id });
      const res = await submitForm(agent, `/admin/organizations/${a.id}`, `/admin/organizations/${a.id}`, {
        ...formOf(a, b.id),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'parentId')).toContain('Una organización no puede depender de sí misma');
      expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.id } })).parentId).toBeNull();
      expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: b.id } })).parentId).toBe(a.id);
    });

    it('also refuses a longer loop (A → B → C, then C as the parent of A)', async () => {
      const a = await createOrganization(t.db.prisma, { name: 'Lazo A' });
      const b = await createOrganization(t.db.prisma, { name: 'Lazo B', parentId: a.id });
      const c = await createOrganization(t.db.prisma, { name: 'Lazo C', parentId: b.id });
      const res = await submitForm(agent, `/admin/organizations/${a.id}`, `/admin/organizations/${a.id}`, {
        ...formOf(a, c.id),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'parentId')).toContain('Una organización no puede depender de sí misma');
      expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.id } })).parentId).toBeNull();
    });
  });

  describe('when it is chosen as its own parent', () => {
    it('answers 422 with the reason and nothing changes', async () => {
      const org = await createOrganization(t.db.prisma, { name: 'Autónoma S.A.' });
      const res = await submitForm(agent, `/admin/organizations/${org.id}`, `/admin/organizations/${org.id}`, {
        ...formOf(org, org.id),
      });
      expect(res.status).toBe(422);
      expect(inlineError(res.text, 'parentId')).toContain('Una organización no puede depender de sí misma');
      expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).parentId).toBeNull();
    });
  });

  it('answers 404 for an organization that does not exist', async () => {
    expect((await agent.get('/admin/organizations/999999')).status).toBe(404);
  });
});

describe('deleting an organization', () => {
  it('deletes one without users or dependents', async () => {
    const org = await createOrganization(t.db.prisma, { name: 'Para Borrar S.A.' });
    const res = await submitForm(agent, `/admin/organizations/${org.id}`, `/admin/organizations/${org.id}/delete`, {});
    expect(res.status).toBe(302);
    expect(await t.db.prisma.organization.findUnique({ where: { id: org.id } })).toBeNull();
    expect((await agent.get('/admin/organizations')).text).toContain('Organización eliminada.');
  });

  describe('when it still has users', () => {
    it('answers 409 with the reason and keeps it', async () => {
      const org = await createOrganization(t.db.prisma, { name: 'Con Clientes S.A.' });
      await createUser(t.db.prisma, { role: 'CLIENT', organizationId: org.id });
      const res = await submitForm(
        agent,
        `/admin/organizations/${org.id}`,
        `/admin/organizations/${org.id}/delete`,
        {},
      );
      expect(res.status).toBe(409);
      expect(res.text).toContain('No se puede eliminar: tiene usuarios u organizaciones dependientes.');
      expect(await t.db.prisma.organization.findUnique({ where: { id: org.id } })).not.toBeNull();
    });

    it('coming from its page, goes back there with the reason', async () => {
      const org = await createOrganization(t.db.prisma, { name: 'Con Clientes Dos S.A.' });
      await createUser(t.db.prisma, { role: 'CLIENT', organizationId: org.id });
      const token = await csrfFrom(agent, `/admin/organizations/${org.id}`);
      const res = await agent
        .post(`/admin/organizations/${org.id}/delete`)
        .set('Host', 'centinela.test')
        .set('Referer', `http://centinela.test/admin/organizations/${org.id}`)
        .type('form')
        .send({ _csrf: token });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/organizations/${org.id}`);
      const back = await agent.get(res.headers.location as string);
      expect(back.text).toContain('No se puede eliminar: tiene usuarios u organizaciones dependientes.');
      expect(await t.db.prisma.organization.findUnique({ where: { id: org.id } })).not.toBeNull();
    });
  });

  describe('when other organizations depend on it', () => {
    it('answers 409 and keeps it', async () => {
      const parent = await createOrganization(t.db.prisma, { name: 'Matriz S.A.' });
      await createOrganization(t.db.prisma, { name: 'Filial S.A.', parentId: parent.id });
      const res = await submitForm(
        agent,
        `/admin/organizations/${parent.id}`,
        `/admin/organizations/${parent.id}/delete`,
        {},
      );
      expect(res.status).toBe(409);
      expect(await t.db.prisma.organization.findUnique({ where: { id: parent.id } })).not.toBeNull();
    });
  });
});

describe('the organizations list', () => {
  it('finds organizations by a piece of the name, in any case, or by tax id', async () => {
    const byName = await createOrganization(t.db.prisma, { name: 'Supermercado Zanetti' });
    const byTax = await t.db.prisma.organization.create({
      data: { name: 'Otra Búsqueda S.A.', taxId: '30-70707070-7' },
    });
    const nameHit = await agent.get('/admin/organizations').query({ q: 'zanett' });
    expect(nameHit.text).toContain(`href="/admin/organizations/${byName.id}"`);
    expect(nameHit.text).not.toContain(`href="/admin/organizations/${byTax.id}"`);
    const taxHit = await agent.get('/admin/organizations').query({ q: '70707070' });
    expect(taxHit.text).toContain(`href="/admin/organizations/${byTax.id}"`);
    expect(taxHit.text).not.toContain(`href="/admin/organizations/${byName.id}"`);
  });

  it('searches for % and _ literally', async () => {
    const literal = await createOrganization(t.db.prisma, { name: 'Descuentos 50% S.A.' });
    const other = await createOrganization(t.db.prisma, { name: 'Cincuenta 50 y Más S.A.' });
    const res = await agent.get('/admin/organizations').query({ q: '50%' });
    expect(res.text).toContain(`href="/admin/organizations/${literal.id}"`);
    expect(res.text).not.toContain(`href="/admin/organizations/${other.id}"`);
  });

  it('answers odd searches and tampered page links with the list, not an error', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const query of [
      { q: '\u0000' },
      { q: '%_\\' },
      { q: 'o'.repeat(500) },
      { after: cursor([7, 1]) },
      { before: cursor(['\u0000', 1]) },
      { after: cursor(['Ana', 2 ** 40]) },
      { after: 'garbage' },
    ]) {
      const res = await agent.get('/admin/organizations').query(query);
      expect(res.status, JSON.stringify(query)).toBe(200);
    }
  });
});
