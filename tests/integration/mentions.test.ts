// @mentions in internal notes: an e-mail to the mentioned staff member that quotes the note;
// nothing for a mentioned client, a public comment, or staff who cannot open the ticket; and no
// client mail ever carries an internal note.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { enqueueNotification } from '../../src/notifications/outbox.js';
import { createServices } from '../../src/services.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { comment } from '../helpers/tickets.js';

const NOTE = 'MENTION-NOTE-7731';

let t: TestApp;
let smtp: TestSmtp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
let departmentId: number;
type Person = Actor & { email: string };
let client: Person;
let support: Person;
let tech: Person;

const actorOf = (user: {
  id: number;
  role: Actor['role'];
  organizationId: number | null;
  isOrgManager: boolean;
  email: string;
}): Person => ({
  id: user.id,
  role: user.role,
  organizationId: user.organizationId,
  isOrgManager: user.isOrgManager,
  email: user.email,
});

async function assignedTicket(): Promise<number> {
  const number = await service.create(
    client,
    {
      subject: 'Cámara 2 sin imagen',
      description: 'Desde ayer.',
      categoryId,
      priority: 'MEDIUM',
      requesterId: client.id,
    },
    [],
  );
  const { version } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
  await service.transitionTicket(support, number, 'assign', {
    version,
    categoryId,
    priority: 'HIGH',
    technicianId: tech.id,
    departmentId,
  } as never);
  return number;
}

async function deliver() {
  const worker = createAppMailWorker({ ...t.ctx, env: { ...t.ctx.env, SMTP_URL: smtp.url } });
  await worker.drain();
  worker.close();
  return t.db.prisma.emailMessage.findMany({ orderBy: { id: 'asc' } });
}

const mentionMail = async () => (await deliver()).filter((m) => m.topic === 'comment.internal').map((m) => m.toAddress);

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-mentions-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir, BASE_URL: 'http://help.example.test' });
  smtp = await startTestSmtp();
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  departmentId = (await createDepartment(prisma, 'CCTV')).id;
  categoryId = (await prisma.category.create({ data: { name: 'Cámaras', departmentId } })).id;
  client = actorOf(await createUser(prisma, { role: 'CLIENT', email: 'carla@cliente.example' }));
  support = actorOf(await createUser(prisma, { role: 'SUPPORT', email: 'sofia@mesa.example' }));
  tech = actorOf(await createUser(prisma, { role: 'TECHNICIAN', email: 'tito@taller.example' }));
  // A technician of no department, never assigned: the ticket is not in their scope.
  await createUser(prisma, { role: 'TECHNICIAN', email: 'otto@taller.example' });
  await createUser(prisma, { role: 'ADMIN', email: 'ada@mesa.example' });
});
afterAll(async () => {
  await smtp.close();
  await t.close();
  await rm(uploadDir, { recursive: true, force: true });
});
beforeEach(async () => {
  smtp.received.length = 0;
  await t.db.prisma.emailMessage.deleteMany({});
  await t.db.prisma.outboxMessage.deleteMany({});
});

describe('an internal note that mentions @tito', () => {
  it('mails the technician the note, and no client mail carries it', async () => {
    const number = await assignedTicket();
    await service.addComment(support, number, { body: `@tito ${NOTE}: check the NVR first.`, internal: true }, []);
    await service.addComment(support, number, { body: 'We are on it.', internal: false }, []);
    const messages = await deliver();

    const mentions = messages.filter((m) => m.topic === 'comment.internal');
    expect(mentions.map((m) => m.toAddress)).toEqual([tech.email]);
    const [mail] = mentions;
    expect(mail?.subject).toBe(`[TKT-${number}] Le mencionaron en una nota interna: Cámara 2 sin imagen`);
    expect(mail?.text).toContain(NOTE);
    expect(mail?.html).toContain(NOTE);
    expect(mail?.text).toContain(`http://help.example.test/tickets/TKT-${number}`);
    expect(smtp.received.filter((m) => m.to.includes(tech.email) && m.raw.includes(NOTE))).toHaveLength(1);

    const toClient = messages.filter((m) => m.toAddress === client.email);
    expect(toClient.length).toBeGreaterThan(0);
    const clientMail = [
      ...toClient.flatMap((m) => [m.subject, m.text, m.html]),
      ...smtp.received.filter((m) => m.to.includes(client.email)).map((m) => m.raw.replace(/=\r?\n/g, '')),
    ].join('\n');
    expect(clientMail).not.toContain(NOTE);
  });

  it('also works with the full address, and for the technician mentioning support', async () => {
    const number = await assignedTicket();
    await service.addComment(tech, number, { body: `Done, @sofia@mesa.example. ${NOTE}`, internal: true }, []);
    expect(await mentionMail()).toEqual([support.email]);
  });
});

describe('when a mention reaches nobody', () => {
  it('a mentioned client gets nothing, by local part or full address', async () => {
    const number = await assignedTicket();
    await service.addComment(support, number, { body: `@carla @carla@cliente.example ${NOTE}`, internal: true }, []);
    const messages = await deliver();
    expect(messages.filter((m) => m.topic === 'comment.internal')).toEqual([]);
    expect(messages.some((m) => m.text.includes(NOTE) || m.html.includes(NOTE))).toBe(false);
  });

  it('a public comment with @tito mails no mention', async () => {
    const number = await assignedTicket();
    await service.addComment(support, number, { body: `@tito ${NOTE}`, internal: false }, []);
    const messages = await deliver();
    expect(messages.filter((m) => m.toAddress === tech.email && m.topic.startsWith('comment.'))).toEqual([]);
    expect(messages.filter((m) => m.topic === 'comment.internal')).toEqual([]);
  });

  it('staff who cannot open the ticket get nothing', async () => {
    const number = await assignedTicket();
    await service.addComment(support, number, { body: `@otto ${NOTE}`, internal: true }, []);
    expect(await mentionMail()).toEqual([]);
  });

  it('the author mentioning themself, a deactivated or an ambiguous handle mail nobody', async () => {
    const { prisma } = t.db;
    await createUser(prisma, { role: 'SUPPORT', email: 'gone@mesa.example', isActive: false });
    await createUser(prisma, { role: 'SUPPORT', email: 'luis@norte.example' });
    await createUser(prisma, { role: 'TECHNICIAN', email: 'luis@sur.example' });
    const number = await assignedTicket();
    await service.addComment(support, number, { body: `@sofia @gone @luis ${NOTE}`, internal: true }, []);
    expect(await mentionMail()).toEqual([]);
  });

  it('a client slipped into the payload is dropped when the mail is worked out', async () => {
    const number = await assignedTicket();
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    const note = await t.db.prisma.comment.create({
      data: { ticketId: ticket.id, authorId: support.id, body: NOTE, isInternal: true },
    });
    await t.db.prisma.$transaction((tx) =>
      enqueueNotification(
        tx,
        'comment.internal',
        { number, commentId: note.id, actorId: support.id, mentionedUserIds: [client.id, tech.id] },
        ticket.id,
      ),
    );
    expect(await mentionMail()).toEqual([tech.email]);
  });
});

describe('through the ticket page', () => {
  it('an internal note posted by a technician mentions support', async () => {
    const number = await assignedTicket();
    const agent = await loginAs(t.app, tech.email);
    const res = await comment(agent, number, `@sofia ${NOTE}`, { internal: true });
    expect(res.status).toBe(302);
    expect(await mentionMail()).toEqual([support.email]);
  });
});
