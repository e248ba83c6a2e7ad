import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, loginAs, submitForm, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('login', () => {
  it('signs a client in, sends them to their tickets, and changes the session id', async () => {
    const user = await createUser(t.db.prisma, { role: 'CLIENT' });
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const before = page.headers['set-cookie']?.[0]?.split(';')[0];
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] as string;
    const res = await agent
      .post('/login')
      .type('form')
      .send({ email: user.email.toUpperCase(), password: TEST_PASSWORD, _csrf: token });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/tickets');
    const after = res.headers['set-cookie']?.[0]?.split(';')[0];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(res.headers['set-cookie']?.[0]).toMatch(/HttpOnly/i);
    expect(res.headers['set-cookie']?.[0]).toMatch(/SameSite=Lax/i);
    const home = await agent.get('/tickets');
    expect(home.status).toBe(200);
    expect(home.text).toContain(user.name);
  });

  it('answers the same message for an unknown e-mail and a wrong password', async () => {
    const user = await createUser(t.db.prisma);
    const agent = request.agent(t.app);
    const wrong = await submitForm(agent, '/login', '/login', { email: user.email, password: 'not the password' });
    const unknown = await submitForm(agent, '/login', '/login', {
      email: 'nobody@example.test',
      password: 'whatever123',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.text).toContain('Correo electrónico o contraseña incorrectos.');
    expect(unknown.text).toContain('Correo electrónico o contraseña incorrectos.');
    // The e-mail typed is kept; the password never comes back.
    expect(wrong.text).toContain(`value="${user.email}"`);
    expect(wrong.text).not.toContain('not the password');
  });

  it('refuses a deactivated user with the same message', async () => {
    const user = await createUser(t.db.prisma, { isActive: false });
    const res = await submitForm(request.agent(t.app), '/login', '/login', {
      email: user.email,
      password: TEST_PASSWORD,
    });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Correo electrónico o contraseña incorrectos.');
  });

  it('locks an account out after repeated wrong passwords, even with the right one', async () => {
    const user = await createUser(t.db.prisma);
    const agent = request.agent(t.app);
    for (let i = 0; i < 8; i++) {
      const res = await submitForm(agent, '/login', '/login', { email: user.email, password: `wrong-${i}-password` });
      expect(res.status).toBe(401);
    }
    const locked = await submitForm(agent, '/login', '/login', { email: user.email, password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Demasiados intentos fallidos');
    // Another account from the same address is not affected yet.
    const other = await createUser(t.db.prisma);
    const ok = await submitForm(agent, '/login', '/login', { email: other.email, password: TEST_PASSWORD });
    expect(ok.status).toBe(302);
  });
});

describe('logout', () => {
  it('ends the session: the old cookie no longer reaches any page', async () => {
    const user = await createUser(t.db.prisma, { role: 'SUPPORT' });
    const agent = await loginAs(t.app, user.email);
    expect((await agent.get('/queue')).status).toBe(200);
    const token = await csrfFrom(agent, '/queue');
    const res = await agent.post('/logout').type('form').send({ _csrf: token });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login');
    const after = await agent.get('/queue');
    expect(after.status).toBe(302);
    expect(after.headers.location).toMatch(/^\/login/);
  });
});

describe('CSRF', () => {
  it('when the token is missing, a state change answers 403 and nothing changes', async () => {
    const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
    const agent = await loginAs(t.app, admin.email);
    const res = await agent.post('/admin/organizations').type('form').send({ name: 'Sin token S.A.' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('El formulario venció o no es válido');
    expect(await t.db.prisma.organization.count({ where: { name: 'Sin token S.A.' } })).toBe(0);
  });

  it('when the token is wrong, a state change answers 403 and nothing changes', async () => {
    const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
    const agent = await loginAs(t.app, admin.email);
    await agent.get('/admin/organizations/new');
    const res = await agent
      .post('/admin/organizations')
      .type('form')
      .send({ name: 'Token falso S.A.', _csrf: 'x'.repeat(64) });
    expect(res.status).toBe(403);
    expect(await t.db.prisma.organization.count({ where: { name: 'Token falso S.A.' } })).toBe(0);
  });

  it('login itself requires the token', async () => {
    const user = await createUser(t.db.prisma);
    const res = await request(t.app).post('/login').type('form').send({ email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(403);
  });
});

describe('deactivation', () => {
  it("ends a signed-in user's session at once and refuses their next login", async () => {
    const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
    const tech = await createUser(t.db.prisma, { role: 'TECHNICIAN' });
    const techAgent = await loginAs(t.app, tech.email);
    expect((await techAgent.get('/work')).status).toBe(200);

    const adminAgent = await loginAs(t.app, admin.email);
    const res = await submitForm(adminAgent, `/admin/users/${tech.id}`, `/admin/users/${tech.id}/deactivate`, {});
    expect(res.status).toBe(302);

    const after = await techAgent.get('/work');
    expect(after.status).toBe(302);
    expect(after.headers.location).toMatch(/^\/login/);
    const again = await submitForm(request.agent(t.app), '/login', '/login', {
      email: tech.email,
      password: TEST_PASSWORD,
    });
    expect(again.status).toBe(401);
  });
});

describe('password change', () => {
  it('needs the current password, then works and ends other sessions', async () => {
    const user = await createUser(t.db.prisma);
    const first = await loginAs(t.app, user.email);
    const second = await loginAs(t.app, user.email);

    const wrong = await submitForm(first, '/account/password', '/account/password', {
      currentPassword: 'not-it-at-all',
      newPassword: 'a brand new passphrase',
      passwordConfirm: 'a brand new passphrase',
    });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('La contraseña actual no es correcta.');

    const ok = await submitForm(first, '/account/password', '/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a brand new passphrase',
      passwordConfirm: 'a brand new passphrase',
    });
    expect(ok.status).toBe(302);
    expect((await first.get('/tickets')).status).toBe(200);
    expect((await second.get('/tickets')).status).toBe(302);
    await loginAs(t.app, user.email, 'a brand new passphrase');
  });
});

describe('registration', () => {
  it('is a 404 while switched off', async () => {
    const res = await request(t.app).get('/register');
    expect(res.status).toBe(404);
  });

  it('creates an unconfirmed client and their organization when switched on, with inline errors first', async () => {
    await t.ctx.settings.update({ registrationEnabled: true }, null);
    const agent = request.agent(t.app);
    const bad = await submitForm(agent, '/register', '/register', {
      name: '',
      email: 'not-an-email',
      organizationName: 'Ferretería Norte',
      password: 'short',
      passwordConfirm: 'short',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Este campo es obligatorio.');
    expect(bad.text).toContain('Escriba un correo electrónico válido');
    expect(bad.text).toContain('al menos 10 caracteres');
    expect(bad.text).toContain('value="Ferretería Norte"');
    expect(await t.db.prisma.user.count({ where: { email: 'not-an-email' } })).toBe(0);

    const ok = await submitForm(agent, '/register', '/register', {
      name: 'Nora Norte',
      email: 'Nora@Norte.example',
      organizationName: 'Ferretería Norte',
      password: 'una frase larga',
      passwordConfirm: 'una frase larga',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/login');
    const created = await t.db.prisma.user.findUniqueOrThrow({
      where: { email: 'nora@norte.example' },
      include: { organization: true },
    });
    expect(created.role).toBe('CLIENT');
    expect(created.organization?.name).toBe('Ferretería Norte');
    // Signed in only once the address is confirmed (tests/http/email-verification.test.ts).
    expect(created.emailVerifiedAt).toBeNull();
    expect((await agent.get('/tickets')).status).toBe(302);
    await t.ctx.settings.update({ registrationEnabled: false }, null);
  });
});
