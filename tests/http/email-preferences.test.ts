// Each user turns off the notification e-mails of their role on /account; the worker honours it;
// account e-mails (password reset) always arrive.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { createServices } from '../../src/services.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { createTestApp, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';

let t: TestApp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;

const CLIENT_KINDS = ['createdRequester', 'resolved', 'onHold', 'closed', 'cancelled', 'commentFromStaff'];
const TECH_KINDS = ['assigned', 'reopened', 'commentFromClient', 'mentioned', 'slaWarning'];

const checkedKinds = (html: string) =>
  [...html.matchAll(/<input[^>]*name="emailKinds" value="([a-zA-Z]+)"[^>]*>/g)]
    .filter((m) => / checked/.test(m[0]))
    .map((m) => m[1]);
const shownKinds = (html: string) => [...html.matchAll(/name="emailKinds" value="([a-zA-Z]+)"/g)].map((m) => m[1]);

const actorOf = (user: { id: number; role: Actor['role']; organizationId: number | null; isOrgManager: boolean }) => ({
  id: user.id,
  role: user.role,
  organizationId: user.organizationId,
  isOrgManager: user.isOrgManager,
});

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-prefs-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const department = await createDepartment(t.db.prisma);
  categoryId = (await t.db.prisma.category.create({ data: { name: 'Alarmas', departmentId: department.id } })).id;
});
afterAll(async () => {
  await t.close();
  await rm(uploadDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.prisma.emailMessage.deleteMany({});
  await t.db.prisma.outboxMessage.deleteMany({});
});

describe('the e-mail preferences on /account', () => {
  it("lists the role's kinds, all ticked at first; saving keeps what was unticked", async () => {
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    const agent = await loginAs(t.app, client.email);
    const page = await agent.get('/account');
    expect(page.text).toContain('Notificaciones por correo');
    expect(shownKinds(page.text)).toEqual(CLIENT_KINDS);
    expect(checkedKinds(page.text)).toEqual(CLIENT_KINDS);
    expect(page.text).toContain(
      '<label class="form-check-label" for="f-email-resolved">Mi ticket fue resuelto</label>',
    );

    const kept = CLIENT_KINDS.filter((kind) => kind !== 'resolved' && kind !== 'closed');
    const res = await submitForm(agent, '/account', '/account', {
      locale: 'es',
      timeZone: '',
      emailKindsShown: '1',
      emailKinds: kept,
    });
    expect(res.status).toBe(302);
    const saved = await t.db.prisma.user.findUniqueOrThrow({ where: { id: client.id } });
    expect(saved.emailOptOut).toEqual(['resolved', 'closed']);
    expect(checkedKinds((await agent.get('/account')).text)).toEqual(kept);
    expect(await t.db.prisma.auditLog.count({ where: { action: 'user.emailPreferences', actorId: client.id } })).toBe(
      1,
    );

    // Nothing ticked: every kind off.
    await submitForm(agent, '/account', '/account', { locale: 'es', timeZone: '', emailKindsShown: '1' });
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: client.id } })).emailOptOut).toEqual(CLIENT_KINDS);
    expect(checkedKinds((await agent.get('/account')).text)).toEqual([]);
  });

  it('shows a technician only the kinds a technician receives', async () => {
    const tech = await createUser(t.db.prisma, { role: 'TECHNICIAN' });
    const page = await (await loginAs(t.app, tech.email)).get('/account');
    expect(shownKinds(page.text)).toEqual(TECH_KINDS);
  });

  it('refuses a kind that is not one of the role, and writes nothing', async () => {
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    const agent = await loginAs(t.app, client.email);
    for (const bogus of ['assigned', 'no-such-kind']) {
      const res = await submitForm(agent, '/account', '/account', {
        locale: 'en',
        timeZone: '',
        emailKindsShown: '1',
        emailKinds: ['resolved', bogus],
      });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Elija una opción de la lista');
      // The form comes back with what was ticked.
      expect(checkedKinds(res.text)).toEqual(['resolved']);
    }
    const unchanged = await t.db.prisma.user.findUniqueOrThrow({ where: { id: client.id } });
    expect(unchanged.emailOptOut).toEqual([]);
    expect(unchanged.locale).toBeNull();
  });

  it('leaves the e-mail choices alone when a form without them is posted', async () => {
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    await t.db.prisma.user.update({ where: { id: client.id }, data: { emailOptOut: ['closed'] } });
    const agent = await loginAs(t.app, client.email);
    expect((await submitForm(agent, '/account', '/account', { locale: 'en', timeZone: '' })).status).toBe(302);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: client.id } })).emailOptOut).toEqual(['closed']);
  });
});

describe('the mail worker', () => {
  it('sends no "assigned" e-mail to a technician who turned it off, and everyone else theirs', async () => {
    const { prisma } = t.db;
    const client = await createUser(prisma, { role: 'CLIENT' });
    const support = await createUser(prisma, { role: 'SUPPORT' });
    const quiet = await createUser(prisma, { role: 'TECHNICIAN' });
    const other = await createUser(prisma, { role: 'TECHNICIAN' });
    const agent = await loginAs(t.app, quiet.email);
    await submitForm(agent, '/account', '/account', {
      locale: 'es',
      timeZone: '',
      emailKindsShown: '1',
      emailKinds: TECH_KINDS.filter((kind) => kind !== 'assigned'),
    });

    for (const tech of [quiet, other]) {
      const number = await service.create(
        actorOf(client),
        { subject: 'Sirena', description: 'Suena sola.', categoryId, priority: 'MEDIUM', requesterId: client.id },
        [],
      );
      const { version } = await prisma.ticket.findUniqueOrThrow({ where: { number } });
      await service.transitionTicket(actorOf(support), number, 'assign', {
        version,
        categoryId,
        priority: 'HIGH',
        technicianId: tech.id,
        departmentId: null,
      } as never);
    }
    const worker = createAppMailWorker(t.ctx);
    await worker.drain();
    worker.close();
    const messages = await prisma.emailMessage.findMany();
    const assigned = messages.filter((m) => m.topic === 'ticket.assign').map((m) => m.toAddress);
    expect(assigned).toEqual([other.email]);
    expect(messages.filter((m) => m.toAddress === client.email && m.topic === 'ticket.created')).toHaveLength(2);
    expect(await prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);
  });

  it('still sends account e-mails to someone who turned every kind off', async () => {
    const client = await createUser(t.db.prisma, { role: 'CLIENT' });
    await t.db.prisma.user.update({ where: { id: client.id }, data: { emailOptOut: CLIENT_KINDS } });
    await submitForm(request.agent(t.app), '/forgot-password', '/forgot-password', { email: client.email });
    const worker = createAppMailWorker(t.ctx);
    await worker.drain();
    worker.close();
    const mail = await t.db.prisma.emailMessage.findMany({ where: { toAddress: client.email } });
    expect(mail.map((m) => m.topic)).toEqual(['account.password_reset']);
  });
});
