// /admin/mail with no SMTP server configured: messages are kept and shown to the admin only,
// without anything a page could run; a failed one can be retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { comment } from '../helpers/tickets.js';

let t: TestApp;
let admin: Agent;
let support: Agent;
let client: Agent;
let number: number;

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-admin-mail-${process.pid}` });
  const { prisma } = t.db;
  const adminUser = await createUser(prisma, { role: 'ADMIN' });
  const supportUser = await createUser(prisma, { role: 'SUPPORT' });
  const clientUser = await createUser(prisma, { role: 'CLIENT', name: 'Clara <Cliente>' });
  admin = await loginAs(t.app, adminUser.email);
  support = await loginAs(t.app, supportUser.email);
  client = await loginAs(t.app, clientUser.email);
  const token = await csrfFrom(client, '/tickets/new');
  const res = await client
    .post('/tickets')
    .field('_csrf', token)
    .field('subject', 'Alarm <panel> beeps')
    .field('description', 'All night.');
  expect(res.status).toBe(302);
  number = (await prisma.ticket.findFirstOrThrow()).number;
});
afterAll(async () => {
  await t.close();
});

describe('with no SMTP_URL', () => {
  it('keeps the messages and lists them for the admin', async () => {
    const worker = createAppMailWorker(t.ctx);
    const result = await worker.drain();
    expect(result.kept).toBe(2);
    const list = await admin.get('/admin/mail');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`[TKT-${number}] Recibimos su solicitud: Alarm &lt;panel&gt; beeps`);
    expect(list.text).toContain(`[TKT-${number}] Nuevo ticket: Alarm &lt;panel&gt; beeps`);
    expect(list.text).toContain('Guardado');
    expect(list.text).toContain('ticket.created');
    expect(list.text).toContain('href="/admin/mail"');
  });

  it('shows one message as escaped text', async () => {
    const kept = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { subject: { contains: 'Recibimos' } } });
    const page = await admin.get(`/admin/mail/${kept.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hola, Clara &lt;Cliente&gt;:');
    expect(page.text).toContain(`http://localhost:3000/tickets/TKT-${number}`);
    expect(page.text).not.toContain('<Cliente>');
    expect(page.text).not.toContain('<iframe');
    expect((await admin.get('/admin/mail/999999')).status).toBe(404);
  });

  it('answers 403 to support and clients, and sends the signed-out to log in', async () => {
    expect((await support.get('/admin/mail')).status).toBe(403);
    expect((await client.get('/admin/mail')).status).toBe(403);
    const kept = await t.db.prisma.emailMessage.findFirstOrThrow();
    expect((await client.get(`/admin/mail/${kept.id}`)).status).toBe(403);
    const token = await csrfFrom(client, '/tickets/new');
    const post = await client.post(`/admin/mail/${kept.id}/retry`).type('form').send({ _csrf: token });
    expect(post.status).toBe(403);
    const { default: request } = await import('supertest');
    const anonymous = await request(t.app).get('/admin/mail');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toContain('/login');
  });

  it('offers the admin the page in the menu', async () => {
    expect((await admin.get('/admin/users')).text).toContain('href="/admin/mail"');
    expect((await support.get('/queue')).text).not.toContain('href="/admin/mail"');
  });
});

describe('a failed message', () => {
  it('is listed with its last error and a retry button that makes it due again', async () => {
    await comment(support, number, 'Estamos revisando.');
    const broken = createAppMailWorker(
      { ...t.ctx, env: { ...t.ctx.env, SMTP_URL: 'smtp://127.0.0.1:9' } },
      {
        maxAttempts: 1,
        transport: {
          kind: 'smtp',
          send: async () => {
            throw new Error('550 mailbox unavailable');
          },
          close: () => {},
        },
      },
    );
    expect((await broken.drain()).failed).toBe(1);
    const failed = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { status: 'FAILED' } });
    expect(failed.topic).toBe('comment.public');

    const list = await admin.get('/admin/mail?status=FAILED');
    expect(list.text).toContain('550 mailbox unavailable');
    expect(list.text).toContain(`action="/admin/mail/${failed.id}/retry"`);
    expect(list.text).not.toContain('Recibimos su solicitud');

    const token = await csrfFrom(admin, '/admin/mail?status=FAILED');
    const without = await admin.post(`/admin/mail/${failed.id}/retry`).type('form').send({});
    expect(without.status).toBe(403);
    const res = await admin.post(`/admin/mail/${failed.id}/retry`).type('form').send({ _csrf: token });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/admin/mail/${failed.id}`);
    const outbox = await t.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: failed.outboxId } });
    expect(outbox.failedAt).toBeNull();
    expect(outbox.sentAt).toBeNull();

    // The next tick (here with no SMTP server) delivers it, once.
    const result = await createAppMailWorker(t.ctx).drain();
    expect(result.kept).toBe(1);
    const after = await t.db.prisma.emailMessage.findUniqueOrThrow({ where: { id: failed.id } });
    expect(after.status).toBe('KEPT');
    expect(await t.db.prisma.emailMessage.count({ where: { outboxId: failed.outboxId } })).toBe(1);

    // Retrying what did not fail is refused.
    const again = await admin
      .post(`/admin/mail/${failed.id}/retry`)
      .type('form')
      .send({ _csrf: await csrfFrom(admin, '/admin/mail') });
    expect(again.status).toBe(409);
  });
});
