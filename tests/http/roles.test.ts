// Who may open which page: every role (and a visitor) against every page that exists so far.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/generated/prisma/enums.js';
import { type Agent, createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const roles: Role[] = ['CLIENT', 'SUPPORT', 'TECHNICIAN', 'ADMIN'];
const everyone = roles;
const adminOnly: Role[] = ['ADMIN'];

/** Page → roles allowed to open it. /tickets is a client's list; the others are taken on to their own. */
const access: [path: string, allowed: Role[]][] = [
  ['/tickets', everyone],
  ['/queue', ['SUPPORT', 'ADMIN']],
  ['/work', ['TECHNICIAN']],
  ['/admin', adminOnly],
  ['/admin/users', adminOnly],
  ['/admin/users/new', adminOnly],
  ['/admin/organizations', adminOnly],
  ['/admin/departments', adminOnly],
  ['/admin/categories', adminOnly],
  ['/admin/settings', adminOnly],
  ['/account', everyone],
  ['/account/password', everyone],
];

const homeByRole: Record<Role, string> = {
  CLIENT: '/tickets',
  SUPPORT: '/queue',
  TECHNICIAN: '/work',
  ADMIN: '/admin',
};

/** Where each role's tickets are listed. */
const ticketListByRole: Record<Role, string> = {
  CLIENT: '/tickets',
  SUPPORT: '/queue',
  TECHNICIAN: '/work',
  ADMIN: '/queue',
};

let t: TestApp;
const agents = {} as Record<Role, Agent>;

beforeAll(async () => {
  t = await createTestApp();
  for (const role of roles) {
    const user = await createUser(t.db.prisma, { role });
    agents[role] = await loginAs(t.app, user.email);
  }
});
afterAll(async () => {
  await t.close();
});

describe('a visitor who is not signed in', () => {
  it('is sent from / to the login page', async () => {
    const res = await request(t.app).get('/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login');
  });

  for (const [path] of access) {
    it(`asking for ${path} is sent to the login page, which brings them back afterwards`, async () => {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    });
  }
});

for (const role of roles) {
  describe(`a signed-in ${role}`, () => {
    it(`is sent from / to their home, ${homeByRole[role]}`, async () => {
      const res = await agents[role].get('/');
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(homeByRole[role]);
    });

    it('lands on a home page they may open', async () => {
      const res = await agents[role].get(homeByRole[role]);
      expect(res.status).toBe(200);
    });

    for (const [path, allowed] of access) {
      if (path === '/tickets' && role !== 'CLIENT') {
        it(`may ask for ${path} and is shown their own list (${ticketListByRole[role]})`, async () => {
          const res = await agents[role].get(path);
          if (res.status === 302) expect(res.headers.location).toBe(ticketListByRole[role]);
          else expect(res.status).toBe(200);
        });
      } else if (allowed.includes(role)) {
        it(`may open ${path}`, async () => {
          const res = await agents[role].get(path);
          expect(res.status).toBe(200);
          expect(res.text).not.toContain('Acceso denegado');
        });
      } else {
        it(`when asking for ${path}, gets the 403 page`, async () => {
          const res = await agents[role].get(path);
          expect(res.status).toBe(403);
          expect(res.text).toContain('Acceso denegado');
          expect(res.text).toContain('No tiene permiso para hacer esto.');
          // The way out leads to their own home.
          expect(res.text).toContain(`href="${homeByRole[role]}"`);
        });
      }
    }
  });
}

describe('navigation', () => {
  it("a client's menu offers their tickets and no admin pages", async () => {
    const res = await agents.CLIENT.get('/tickets');
    expect(res.text).toContain('Mis tickets');
    expect(res.text).not.toContain('href="/admin/users"');
  });

  it("an admin's menu offers the users page", async () => {
    const res = await agents.ADMIN.get('/admin/users');
    expect(res.text).toContain('Usuarios');
    expect(res.text).toContain('href="/admin/users"');
    expect(res.text).not.toContain('Mis tickets');
  });

  it("an admin's menu groups every configuration page under one «Configuración» entry", async () => {
    const res = await agents.ADMIN.get('/admin');
    const group =
      /<li class="nav-item dropdown">\s*<button[^>]*>Configuración<\/button>\s*<ul class="dropdown-menu">([\s\S]*?)<\/ul>/.exec(
        res.text,
      );
    expect(group, 'a Configuración dropdown in the menu').not.toBeNull();
    for (const href of [
      '/admin/users',
      '/admin/organizations',
      '/admin/departments',
      '/admin/categories',
      '/admin/settings',
      '/admin/mail',
      '/admin/inbound',
      '/admin/bin',
    ]) {
      expect(group?.[1]).toContain(`href="${href}"`);
    }
  });

  it("the admin's home is an overview: tickets per status from the counters, what waits on support", async () => {
    await t.db.prisma.ticketStatusCount.upsert({
      where: { status: 'NEW' },
      create: { status: 'NEW', count: 4321 },
      update: { count: 4321 },
    });
    const res = await agents.ADMIN.get('/admin');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1 class="h4 mb-0">Panel</h1>');
    expect(res.text).toContain('4321');
    expect(res.text).toContain('Esperando a soporte: 4321');
    expect(res.text).toContain('Actividad reciente');
  });
});
