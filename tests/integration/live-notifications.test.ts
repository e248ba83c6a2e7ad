// In-app notifications and live updates: the bell counts what the worker recorded, the centre
// lists and marks them, and a Server-Sent Events stream brings new counts and "ticket updated"
// notices — never a client's notice for an internal note, never a stream on someone else's ticket.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import type { LiveHub } from '../../src/notifications/live.js';
import { enqueueNotification } from '../../src/notifications/outbox.js';
import { createServices } from '../../src/services.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { createTestApp, loginAs, sessionCookie, submitForm, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { openEventStream } from '../helpers/sse.js';

let t: TestApp;
let server: Server;
let base: string;
let client: Actor & { email: string };
let otherClient: Actor & { email: string };
let support: Actor & { email: string };
let support2: Actor & { email: string };
let tickets: { service: TicketsService; file(requester: Actor, subject: string): Promise<number> };
let uploadDir: string;

const actorOf = (u: { id: number; role: Actor['role']; organizationId: number | null; email: string }) => ({
  id: u.id,
  role: u.role,
  organizationId: u.organizationId,
  isOrgManager: false,
  email: u.email,
});

const drain = async () => {
  const worker = createAppMailWorker(t.ctx);
  await worker.drain();
  worker.close();
};
const bellCount = (html: string) => /id="nav-bell-count"[^>]*>([^<]*)</.exec(html)?.[1];

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-live-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  const { prisma } = t.db;
  client = actorOf(await createUser(prisma, { role: 'CLIENT', name: 'Carla Client' }));
  otherClient = actorOf(await createUser(prisma, { role: 'CLIENT', name: 'Otto Other' }));
  support = actorOf(await createUser(prisma, { role: 'SUPPORT', name: 'Sofía Soporte' }));
  support2 = actorOf(await createUser(prisma, { role: 'SUPPORT', name: 'Paulo Suporte' }));
  const service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  tickets = {
    service,
    file: (requester, subject) =>
      service.create(
        requester,
        { subject, description: 'Desde ayer.', categoryId: null, priority: 'MEDIUM', requesterId: requester.id },
        [],
      ),
  };
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(uploadDir, { recursive: true, force: true });
});

describe('the notification centre', () => {
  it('rings nobody for their own deed: the client who files gets the e-mail, support gets the bell', async () => {
    const agent = await loginAs(t.app, client.email);
    const supportAgent = await loginAs(t.app, support.email);
    const supportBefore = Number(bellCount((await supportAgent.get('/notifications')).text));

    const number = await tickets.file(client, 'Portón no abre');
    await drain();

    expect(bellCount((await agent.get('/tickets')).text)).toBe('0');
    expect((await agent.get('/notifications')).text).not.toContain(`TKT-${number}`);
    // The confirmation still comes by e-mail (kept: this test has no SMTP server).
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    const confirmation = await t.db.prisma.emailMessage.findMany({
      where: { ticketId: ticket.id, topic: 'ticket.created', toUserId: client.id },
    });
    expect(confirmation).toHaveLength(1);
    const supportPage = await supportAgent.get('/notifications');
    expect(bellCount(supportPage.text)).toBe(String(supportBefore + 1));
    expect(supportPage.text).toContain(`TKT-${number}`);
  });

  it('shows what the worker recorded on the bell and the list, and marks it read when opened', async () => {
    const agent = await loginAs(t.app, client.email);
    await submitForm(agent, '/notifications', '/notifications/read-all', {});
    expect(bellCount((await agent.get('/tickets')).text)).toBe('0');

    const number = await tickets.file(client, 'Cámara 2 sin imagen');
    await tickets.service.addComment(support, number, { body: 'Vamos en camino.', internal: false }, []);
    await tickets.service.addComment(support, number, { body: 'Estamos revisando el NVR.', internal: false }, []);
    await tickets.service.addComment(support, number, { body: 'NOTA-INTERNA-77', internal: true }, []);
    await drain();

    // The two staff replies; the client's own filing and the internal note tell the client nothing.
    const page = await agent.get('/tickets');
    expect(bellCount(page.text)).toBe('2');
    expect(page.text).toMatch(/aria-label="Notificaciones: 2 sin leer"/);
    const list = await agent.get('/notifications');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`TKT-${number}`);
    expect(list.text).toContain('Cámara 2 sin imagen');
    expect(list.text).not.toContain('NOTA-INTERNA-77');
    expect((list.text.match(/notification-unread/g) ?? []).length).toBe(2);

    const ids = (
      await t.db.prisma.notification.findMany({ where: { userId: client.id, readAt: null }, orderBy: { id: 'asc' } })
    ).map((n) => Number(n.id));
    const open = await submitForm(agent, '/notifications', `/notifications/${ids[0]}/open`, {});
    expect(open.status).toBe(303);
    expect(open.headers.location).toBe(`/tickets/TKT-${number}`);
    expect(bellCount((await agent.get('/tickets')).text)).toBe('1');

    const all = await submitForm(agent, '/notifications', '/notifications/read-all', {});
    expect(all.status).toBe(303);
    expect(bellCount((await agent.get('/notifications')).text)).toBe('0');
  });

  it("never lets one user read or mark another user's notification", async () => {
    const number = await tickets.file(client, 'Sirena no suena');
    await tickets.service.addComment(support, number, { body: 'Vamos en camino.', internal: false }, []);
    await drain();
    const mine = await t.db.prisma.notification.findFirstOrThrow({
      where: { userId: client.id, ticketId: { not: null }, readAt: null },
      orderBy: { id: 'desc' },
    });
    const intruder = await loginAs(t.app, otherClient.email);
    const list = await intruder.get('/notifications');
    expect(list.text).not.toContain(`TKT-${number}`);
    const res = await submitForm(intruder, '/notifications', `/notifications/${mine.id}/open`, {});
    expect(res.headers.location).toBe('/notifications');
    expect((await t.db.prisma.notification.findUniqueOrThrow({ where: { id: mine.id } })).readAt).toBeNull();
  });

  it('refuses to mark without a CSRF token', async () => {
    const agent = await loginAs(t.app, client.email);
    const res = await agent.post('/notifications/read-all').type('form').send({});
    expect(res.status).toBe(403);
  });

  it('pages through a long history without repeating a row', async () => {
    const { prisma } = t.db;
    await prisma.notification.createMany({
      data: Array.from({ length: 70 }, (_, i) => ({
        userId: otherClient.id,
        kind: 'commentFromStaff',
        data: { number: 5000 + i, subject: `Asunto ${i}` },
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))),
      })),
    });
    const agent = await loginAs(t.app, otherClient.email);
    const seen: string[] = [];
    let path: string | null = '/notifications';
    for (let pageNo = 0; path && pageNo < 5; pageNo++) {
      const page = await agent.get(path);
      seen.push(...[...page.text.matchAll(/fw-semibold">TKT-(\d+)</g)].map((m) => m[1] as string));
      const older = /rel="next" href="([^"]+)"/.exec(page.text)?.[1];
      path = older ? older.replace(/&amp;/g, '&') : null;
    }
    expect(seen).toHaveLength(70);
    expect(new Set(seen).size).toBe(70);
    expect(seen[0]).toBe('5069');
  });
});

describe('the live stream', () => {
  it('requires a session and a ticket the user may see', async () => {
    expect((await request(t.app).get('/events').set('Accept', 'text/event-stream')).status).toBe(401);
    const number = await tickets.file(client, 'DVR apagado');
    const intruder = await sessionCookie(t.app, otherClient.email);
    const res = await request(t.app).get(`/events?ticket=TKT-${number}`).set('Cookie', intruder);
    expect(res.status).toBe(404);
  });

  it('brings a new unread count and tells a ticket page that someone else changed it', async () => {
    const number = await tickets.file(client, 'Control de acceso bloqueado');
    await drain();
    const clientStream = await openEventStream(
      `${base}/events?ticket=TKT-${number}`,
      await sessionCookie(t.app, client.email),
    );
    const staffStream = await openEventStream(
      `${base}/events?ticket=TKT-${number}`,
      await sessionCookie(t.app, support2.email),
    );
    const actorStream = await openEventStream(
      `${base}/events?ticket=TKT-${number}`,
      await sessionCookie(t.app, support.email),
    );
    try {
      expect(clientStream.status).toBe(200);
      const first = (await clientStream.next('unread')) as { count: number };

      // An internal note: staff pages hear of it, the client's page does not.
      await tickets.service.addComment(support, number, { body: 'Revisar cableado', internal: true }, []);
      expect(await staffStream.next('ticket')).toEqual({ number });
      expect(await clientStream.arrives('ticket', 1_000)).toBe(false);

      // A public reply: the client's page is told, and the worker's notification raises the count.
      await tickets.service.addComment(support, number, { body: 'Técnico asignado.', internal: false }, []);
      expect(await clientStream.next('ticket')).toEqual({ number });
      await drain();
      expect(await clientStream.next('unread')).toEqual({ count: first.count + 1 });
      expect(await staffStream.next('ticket')).toEqual({ number });
      // Nobody is told about their own change.
      expect(actorStream.events.filter((e) => e.event === 'ticket')).toHaveLength(0);
    } finally {
      actorStream.close();
      clientStream.close();
      staffStream.close();
    }
  });

  it('wakes the worker on commit, not on rollback', async () => {
    const live: LiveHub = t.services.live;
    await live.ready();
    let wakes = 0;
    const off = live.onOutbox(() => wakes++);
    try {
      await t.db.prisma
        .$transaction(async (tx) => {
          await enqueueNotification(tx, 'test.rolled_back', {});
          throw new Error('rollback');
        })
        .catch(() => {});
      await t.db.prisma.$transaction(async (tx) => enqueueNotification(tx, 'test.committed', {}));
      await expect.poll(() => wakes, { timeout: 5_000 }).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(wakes).toBe(1);
    } finally {
      off();
      await t.db.prisma.outboxMessage.deleteMany({ where: { topic: { startsWith: 'test.' } } });
    }
  });
});
