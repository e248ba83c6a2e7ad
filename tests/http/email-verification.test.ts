// A self-registered client confirms their address before they can sign in; the link arrives
// through the outbox; "send it again" is offered only after the right password.
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/demo/demo.service.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { createUsersService } from '../../src/users/users.service.js';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const PASSWORD = 'una frase bastante larga';
const CONFIRM_FIRST = 'Confirme su correo electrónico antes de ingresar';

let t: TestApp;
let sequence = 0;

beforeAll(async () => {
  t = await createTestApp({ BASE_URL: 'http://help.example.test' });
  await t.ctx.settings.update({ registrationEnabled: true }, null);
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.db.prisma.emailMessage.deleteMany({});
});

async function register(agent: Agent = request.agent(t.app)) {
  const email = `nuevo-${++sequence}-${Date.now()}@cliente.example`;
  const res = await submitForm(agent, '/register', '/register', {
    name: 'Nadia Nueva',
    email,
    organizationName: `Nueva S.R.L. ${sequence}`,
    password: PASSWORD,
    passwordConfirm: PASSWORD,
  });
  expect(res.status).toBe(303);
  return { email, res };
}

/** Runs the worker (no SMTP: messages are kept) and returns the verification links mailed to `email`. */
async function verificationLinks(email: string): Promise<string[]> {
  const worker = createAppMailWorker(t.ctx);
  await worker.drain();
  worker.close();
  const messages = await t.db.prisma.emailMessage.findMany({
    where: { toAddress: email, topic: 'account.verify_email' },
    orderBy: { id: 'asc' },
  });
  return messages.map((m) => {
    const match = /http:\/\/help\.example\.test(\/verify-email\/[A-Za-z0-9_-]{43})/.exec(m.text);
    if (!match?.[1]) throw new Error('No verification link in the message');
    return match[1];
  });
}

const signIn = (agent: Agent, email: string, password = PASSWORD) =>
  submitForm(agent, '/login', '/login', { email, password });

describe('an admin', () => {
  it("confirms a client's address when the e-mail cannot reach them; the old link then says so", async () => {
    const { email } = await register();
    const [link] = await verificationLinks(email);
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    const adminUser = await createUser(t.db.prisma, { role: 'ADMIN' });
    const admin = await loginAs(t.app, adminUser.email);
    const page = await admin.get(`/admin/users/${user.id}`);
    expect(page.text).toContain('Correo sin confirmar');
    expect((await admin.get(`/admin/users?q=${encodeURIComponent(email)}`)).text).toContain('Correo sin confirmar');
    const res = await submitForm(admin, `/admin/users/${user.id}`, `/admin/users/${user.id}/confirm-email`, {});
    expect(res.status).toBe(302);
    expect((await admin.get(`/admin/users/${user.id}`)).text).not.toContain('Correo sin confirmar');
    const audit = await t.db.prisma.auditLog.findFirst({
      where: { action: 'user.confirmEmail', entityId: String(user.id) },
    });
    expect(audit?.actorId).toBe(adminUser.id);

    expect((await signIn(request.agent(t.app), email)).status).toBe(302);
    const late = request.agent(t.app);
    expect((await late.get(link as string)).status).toBe(303);
    expect((await late.get('/login')).text).toContain('ya estaba confirmado');
  });

  it('needs the CSRF token and the admin role to do it', async () => {
    const { email } = await register();
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    const adminUser = await createUser(t.db.prisma, { role: 'ADMIN' });
    const admin = await loginAs(t.app, adminUser.email);
    expect((await admin.post(`/admin/users/${user.id}/confirm-email`).type('form').send({})).status).toBe(403);
    const supportUser = await createUser(t.db.prisma, { role: 'SUPPORT' });
    const support = await loginAs(t.app, supportUser.email);
    const token = await csrfFrom(support, '/queue');
    const res = await support.post(`/admin/users/${user.id}/confirm-email`).type('form').send({ _csrf: token });
    expect(res.status).toBe(403);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).toBeNull();
  });
});

describe('a self-registered client', () => {
  it('cannot sign in until they follow the link, then can', async () => {
    const agent = request.agent(t.app);
    const { email, res } = await register(agent);
    expect(res.headers.location).toBe('/login');
    const loginPage = await agent.get('/login');
    expect(loginPage.text).toContain(`Le enviamos un correo a ${email}`);
    // Not signed in by registering.
    expect((await agent.get('/tickets')).status).toBe(302);
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeNull();

    const refused = await signIn(agent, email);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(CONFIRM_FIRST);
    expect(refused.text).toContain('action="/verify-email/resend"');
    expect((await agent.get('/tickets')).status).toBe(302);

    const [link] = await verificationLinks(email);
    const message = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { toAddress: email } });
    expect(message.subject).toBe('Confirme su correo electrónico');
    const confirmed = await agent.get(link as string);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).toBe('/login');
    expect((await agent.get('/login')).text).toContain('Correo confirmado. Ya puede iniciar sesión.');
    const verified = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(verified.emailVerifiedAt).not.toBeNull();

    const ok = await signIn(agent, email);
    expect(ok.status).toBe(302);
    expect(ok.headers.location).toBe('/tickets');
    expect((await agent.get('/tickets')).status).toBe(200);

    // Opened again (or first by a mail scanner): already confirmed, nothing else happens.
    const again = await request.agent(t.app).get(link as string);
    expect(again.status).toBe(303);
    expect(await t.db.prisma.auditLog.count({ where: { action: 'user.verifyEmail', entityId: String(user.id) } })).toBe(
      1,
    );
  });

  it('with a wrong password gets the usual message and no offer to resend', async () => {
    const { email } = await register();
    const res = await signIn(request.agent(t.app), email, 'not the password at all');
    expect(res.status).toBe(401);
    expect(res.text).toContain('Correo electrónico o contraseña incorrectos.');
    expect(res.text).not.toContain(CONFIRM_FIRST);
    expect(res.text).not.toContain('/verify-email/resend');
  });

  it('can ask for a new link after the right password; the older link stops working', async () => {
    const { email } = await register();
    const agent = request.agent(t.app);
    await signIn(agent, email);
    const token = await csrfFrom(agent, '/login');
    const resent = await agent.post('/verify-email/resend').type('form').send({ _csrf: token });
    expect(resent.status).toBe(303);
    expect((await agent.get('/login')).text).toContain('le enviamos un enlace nuevo');
    const [older, newer] = await verificationLinks(email);
    expect(newer).toBeDefined();
    expect((await request(t.app).get(older as string)).status).toBe(404);
    expect((await request(t.app).get(newer as string)).status).toBe(303);
    await loginAs(t.app, email, PASSWORD);
  });

  it('cannot resend without a correct password first, nor more than three times an hour', async () => {
    const { email } = await register();
    const stranger = request.agent(t.app);
    const token = await csrfFrom(stranger, '/login');
    const blind = await stranger.post('/verify-email/resend').type('form').send({ _csrf: token });
    expect(blind.status).toBe(303);
    expect((await stranger.get('/login')).text).toContain('le enviamos un enlace nuevo');
    expect(await verificationLinks(email)).toHaveLength(1);

    const agent = request.agent(t.app);
    await signIn(agent, email);
    for (let i = 0; i < 4; i++) {
      const csrf = await csrfFrom(agent, '/login');
      await agent.post('/verify-email/resend').type('form').send({ _csrf: csrf });
    }
    expect((await agent.get('/login')).text).toContain('Ya le enviamos varios enlaces');
    expect(await verificationLinks(email)).toHaveLength(1 + 3);
  });

  it('needs the CSRF token to resend', async () => {
    const { email } = await register();
    const agent = request.agent(t.app);
    await signIn(agent, email);
    const res = await agent.post('/verify-email/resend').type('form').send({});
    expect(res.status).toBe(403);
  });

  it('is refused an expired link, with a clear page', async () => {
    const { email } = await register();
    const [link] = await verificationLinks(email);
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    await t.db.prisma.userToken.updateMany({
      where: { userId: user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await request(t.app).get(link as string);
    expect(res.status).toBe(404);
    expect(res.text).toContain('Este enlace de confirmación no es válido o venció');
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).toBeNull();
  });

  it('is confirmed by resetting their password through the e-mailed link', async () => {
    const { email } = await register();
    await submitForm(request.agent(t.app), '/forgot-password', '/forgot-password', { email });
    const worker = createAppMailWorker(t.ctx);
    await worker.drain();
    const mail = await t.db.prisma.emailMessage.findFirstOrThrow({
      where: { toAddress: email, topic: 'account.password_reset' },
    });
    const link = /(\/reset-password\/[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1] as string;
    const done = await submitForm(request.agent(t.app), link, link, {
      newPassword: 'another long phrase',
      passwordConfirm: 'another long phrase',
    });
    expect(done.status).toBe(303);
    await loginAs(t.app, email, 'another long phrase');
  });
});

describe('accounts not created by self-registration', () => {
  it('are confirmed from the start: created by an admin, and the demo accounts', async () => {
    const admin = await createUser(t.db.prisma, { role: 'ADMIN' });
    const { id } = await createUsersService(t.ctx).create(
      {
        email: 'tecnica@empresa.example',
        name: 'Tina Técnica',
        role: 'TECHNICIAN',
        password: 'created by the admin',
        passwordConfirm: 'created by the admin',
        phone: null,
        locale: null,
        organizationId: null,
        isOrgManager: false,
        departmentIds: [],
      },
      admin.id,
    );
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id } })).emailVerifiedAt).not.toBeNull();
    await loginAs(t.app, 'tecnica@empresa.example', 'created by the admin');

    const demo = await createTestApp();
    try {
      await seedDemoData(demo.db.prisma, { password: 'demo password 123' });
      expect(await demo.db.prisma.user.count({ where: { isDemo: true, emailVerifiedAt: null } })).toBe(0);
      expect(await demo.db.prisma.user.count({ where: { isDemo: true } })).toBeGreaterThan(0);
    } finally {
      await demo.close();
    }
  });
});
