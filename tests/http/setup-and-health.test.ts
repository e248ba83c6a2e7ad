import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/setup/setup.service.js';
import { createTestApp, submitForm, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('health', () => {
  it('answers liveness and readiness', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });
});

describe('first administrator on a fresh server install', () => {
  it('when the setup token is wrong, it answers 422 and creates nobody', async () => {
    await issueSetupToken(t.db.prisma);
    const res = await submitForm(request.agent(t.app), '/setup', '/setup', {
      token: 'guessed-token',
      name: 'Intruso',
      email: 'intruso@example.test',
      password: 'a long password',
      passwordConfirm: 'a long password',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('El código de instalación no es válido');
    expect(await t.db.prisma.user.count()).toBe(0);
  });

  it('with the printed token, creates the admin, signs them in, and the page closes for good', async () => {
    // The token of the first start, then a second process (a rolling start) prints its own.
    const token = (await issueSetupToken(t.db.prisma)) as string;
    expect(await issueSetupToken(t.db.prisma)).not.toBe(token);
    const agent = request.agent(t.app);
    const res = await submitForm(agent, '/setup', '/setup', {
      token,
      name: 'Dueña',
      email: 'Duena@Empresa.test',
      password: 'a long password',
      passwordConfirm: 'a long password',
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/users');
    expect((await agent.get('/admin/users')).status).toBe(200);
    const admin = await t.db.prisma.user.findUniqueOrThrow({ where: { email: 'duena@empresa.test' } });
    expect(admin.role).toBe('ADMIN');
    expect((await request(t.app).get('/setup')).status).toBe(404);
    expect(await issueSetupToken(t.db.prisma)).toBeNull();
  });
});

describe('language', () => {
  it('follows Accept-Language for visitors, then the user’s own choice', async () => {
    const english = await request(t.app).get('/login').set('Accept-Language', 'en-US,en;q=0.9');
    expect(english.text).toContain('<html lang="en">');
    expect(english.text).toContain('Sign in');
    const portuguese = await request(t.app).get('/login').set('Accept-Language', 'pt-BR');
    expect(portuguese.text).toContain('Entrar');
    const spanish = await request(t.app).get('/login');
    expect(spanish.text).toContain('Iniciar sesión');

    const agent = request.agent(t.app);
    const res = await submitForm(agent, '/login', '/language', { lang: 'pt-BR', back: '/login' });
    expect(res.status).toBe(303);
    expect((await agent.get('/login').set('Accept-Language', 'en')).text).toContain('<html lang="pt-BR">');
  });
});

describe('security headers', () => {
  it('sends a CSP without inline script and no framework banner', async () => {
    const res = await request(t.app).get('/login');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.text).not.toMatch(/<script>(?!<\/script>)/);
    expect(res.text).not.toMatch(/\sstyle="/);
  });

  it('serves Bootstrap from the app itself with a long cache', async () => {
    const page = await request(t.app).get('/login');
    const href = /href="(\/vendor\/bootstrap\/css\/bootstrap\.min\.css\?v=[a-f0-9]+)"/.exec(page.text)?.[1];
    expect(href).toBeDefined();
    const css = await request(t.app).get(href as string);
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toContain('max-age=31536000');
    expect(page.text).not.toMatch(/https?:\/\/(cdn|unpkg|fonts\.googleapis)/);
  });

  it('shows a 404 page without internals for an unknown path', async () => {
    const res = await request(t.app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Página no encontrada');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('flash messages', () => {
  it('survive a browser prefetch: only the page the user opens takes them', async () => {
    const { createUser } = await import('../helpers/factories.js');
    const { loginAs } = await import('../helpers/app.js');
    const user = await createUser(t.db.prisma);
    const agent = await loginAs(t.app, user.email);
    const res = await submitForm(agent, '/account', '/account', { locale: 'es', timeZone: '' });
    expect(res.status).toBe(302);
    const prefetch = await agent.get('/account').set('Sec-Purpose', 'prefetch');
    expect(prefetch.text).not.toContain('Preferencias guardadas.');
    const page = await agent.get('/account');
    expect(page.text).toContain('Preferencias guardadas.');
  });
});
