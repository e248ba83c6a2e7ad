// E-mail out: the outbox of a whole ticket walk delivered to a real SMTP server, to the right
// people, in their language, with nothing internal in a client's mail; an SMTP outage that loses
// and doubles nothing; two workers at once that never send a message twice.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import type { AppContext } from '../../src/context.js';
import { connectDatabase } from '../../src/db/database.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { createServices } from '../../src/services.js';
import { SettingsService } from '../../src/settings/settings.service.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

const INTERNAL_NOTE = 'SECRET-INTERNAL-NOTE-4417';
const REJECTION = 'REJECTION-REASON-9023';
const PROPOSAL = 'UNAPPROVED-PROPOSAL-5512';

let t: TestApp;
let smtp: TestSmtp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
let client: Actor & { email: string };
let support: Actor & { email: string };
let support2: Actor & { email: string };
let tech: Actor & { email: string };
let inactiveSupportEmail: string;

const actorOf = (user: {
  id: number;
  role: Actor['role'];
  organizationId: number | null;
  isOrgManager: boolean;
  email: string;
}) => ({
  id: user.id,
  role: user.role,
  organizationId: user.organizationId,
  isOrgManager: user.isOrgManager,
  email: user.email,
});

async function step(actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) {
  const { version } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
  await service.transitionTicket(actor, number, action, { version, ...input } as never);
}
async function file(requester: Actor, subject = 'Camera 3 is down'): Promise<number> {
  return service.create(
    requester,
    { subject, description: 'It stopped recording yesterday.', categoryId, priority: 'MEDIUM', requesterId: client.id },
    [],
  );
}
const workerFor = (ctx: Pick<AppContext, 'env' | 'db' | 'settings' | 'logger'>, overrides = {}) =>
  createAppMailWorker(ctx, { ...overrides });
const smtpCtx = () => ({ ...t.ctx, env: { ...t.ctx.env, SMTP_URL: smtp.url } });
const later = (ms: number) => new Date(Date.now() + ms);

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-mail-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir, BASE_URL: 'https://help.example.test' });
  smtp = await startTestSmtp();
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const department = await createDepartment(prisma, 'CCTV');
  categoryId = (await prisma.category.create({ data: { name: 'Cameras', departmentId: department.id } })).id;
  const clientUser = await createUser(prisma, { role: 'CLIENT', name: 'Carla Client' });
  await prisma.user.update({ where: { id: clientUser.id }, data: { locale: 'en' } });
  client = actorOf(clientUser);
  support = actorOf(await createUser(prisma, { role: 'SUPPORT', name: 'Sofía Soporte' }));
  const support2User = await createUser(prisma, { role: 'SUPPORT', name: 'Paulo Suporte' });
  await prisma.user.update({ where: { id: support2User.id }, data: { locale: 'pt_BR' } });
  support2 = actorOf(support2User);
  inactiveSupportEmail = (await createUser(prisma, { role: 'SUPPORT', isActive: false })).email;
  await createUser(prisma, { role: 'ADMIN' });
  tech = actorOf(await createUser(prisma, { role: 'TECHNICIAN', name: 'Tito Técnico' }));
});
afterAll(async () => {
  await smtp.close();
  await t.close();
  await rm(uploadDir, { recursive: true, force: true });
});
beforeEach(async () => {
  smtp.received.length = 0;
  smtp.isDown = false;
  await t.db.prisma.emailMessage.deleteMany({});
  await t.db.prisma.outboxMessage.deleteMany({});
});

describe('a ticket walked from filing to closure', () => {
  it('mails exactly the expected people, in their language, and nothing internal to the client', async () => {
    const number = await file(client);
    await service.addComment(support, number, { body: INTERNAL_NOTE, internal: true }, []);
    await step(support, number, 'assign', { categoryId, priority: 'HIGH', technicianId: tech.id, departmentId: null });
    await step(tech, number, 'start');
    await service.addComment(support, number, { body: 'We are on it.', internal: false }, []);
    await step(tech, number, 'hold', { reason: 'Please send the NVR password.' });
    await service.addComment(client, number, { body: 'It is on the label.', internal: false }, []);
    await step(tech, number, 'submit_solution', { solution: PROPOSAL });
    await step(support, number, 'reject_solution', { reason: REJECTION });
    await step(tech, number, 'submit_solution', { solution: 'Replaced the disk.' });
    await step(support, number, 'approve_solution', { message: 'We replaced the recording disk.' });
    await step(client, number, 'confirm', { rating: 5, comment: null });

    const worker = workerFor(smtpCtx());
    await worker.drain();
    worker.close();
    const { prisma } = t.db;
    expect(await prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);

    const messages = await prisma.emailMessage.findMany({ orderBy: { id: 'asc' } });
    const summary = messages.map((m) => `${m.topic} → ${m.toAddress}`);
    expect(summary).toEqual([
      `ticket.created → ${client.email}`,
      `ticket.created → ${support.email}`,
      `ticket.created → ${support2.email}`,
      `ticket.assign → ${tech.email}`,
      `comment.public → ${client.email}`,
      `ticket.hold → ${client.email}`,
      `comment.public → ${tech.email}`,
      `ticket.submit_solution → ${support.email}`,
      `ticket.submit_solution → ${support2.email}`,
      `ticket.submit_solution → ${support.email}`,
      `ticket.submit_solution → ${support2.email}`,
      `ticket.approve_solution → ${client.email}`,
    ]);
    expect(summary.join('\n')).not.toContain(inactiveSupportEmail);
    expect(messages.every((m) => m.status === 'SENT' && m.subject.startsWith(`[TKT-${number}] `))).toBe(true);

    // What the SMTP server received: one mail per message, to its recipient, with its Message-ID.
    expect(smtp.received).toHaveLength(messages.length);
    for (const m of messages) {
      const got = smtp.received.filter((mail) => mail.messageId === m.messageId);
      expect(got).toHaveLength(1);
      expect(got[0]?.to).toEqual([m.toAddress]);
      expect(m.messageId).toMatch(/^<outbox-\d+-\d+@help\.example\.test>$/);
    }

    // Each in the recipient's language: the client reads English, support2 Portuguese, the rest Spanish.
    const toClient = messages.filter((m) => m.toAddress === client.email);
    expect(toClient.map((m) => m.subject)).toEqual([
      `[TKT-${number}] We received your request: Camera 3 is down`,
      `[TKT-${number}] New reply: Camera 3 is down`,
      `[TKT-${number}] Waiting for your reply: Camera 3 is down`,
      `[TKT-${number}] Ticket resolved: Camera 3 is down`,
    ]);
    expect(messages.find((m) => m.toAddress === support2.email)?.subject).toBe(
      `[TKT-${number}] Novo ticket: Camera 3 is down`,
    );
    expect(messages.find((m) => m.toAddress === tech.email)?.subject).toBe(
      `[TKT-${number}] Ticket asignado: Camera 3 is down`,
    );
    const resolved = toClient.at(-1);
    expect(resolved?.text).toContain('We replaced the recording disk.');
    expect(resolved?.text).toContain(`https://help.example.test/tickets/TKT-${number}`);
    expect(resolved?.html).toContain(`href="https://help.example.test/tickets/TKT-${number}"`);
    expect(toClient[2]?.text).toContain('Please send the NVR password.');

    // Nothing internal in any client mail, stored or on the wire.
    const clientMail = [
      ...toClient.flatMap((m) => [m.subject, m.text, m.html]),
      ...smtp.received.filter((mail) => mail.to.includes(client.email)).map((mail) => mail.raw.replace(/=\r?\n/g, '')),
    ].join('\n');
    for (const secret of [INTERNAL_NOTE, REJECTION, PROPOSAL]) expect(clientMail).not.toContain(secret);
  });

  it('escapes what users wrote in the HTML part', async () => {
    const number = await file(client, 'Broken <b>door</b>');
    await step(support, number, 'resolve_direct', { message: '<script>alert(1)</script> fixed' });
    const worker = workerFor(smtpCtx());
    await worker.drain();
    const resolved = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { topic: 'ticket.resolve_direct' } });
    expect(resolved.html).not.toContain('<script>');
    expect(resolved.html).toContain('&lt;script&gt;');
    expect(resolved.text).toContain('<script>alert(1)</script> fixed');
  });

  it('asks not to reply unless incoming e-mail is on, and then invites a reply', async () => {
    await file(client, 'Gate sensor');
    const plain = workerFor(smtpCtx());
    await plain.drain();
    plain.close();
    const before = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { toAddress: client.email } });
    expect(before.text).toContain('Please do not reply to this e-mail');
    await t.db.prisma.emailMessage.deleteMany({});

    await file(client, 'Gate sensor again');
    const ctx = smtpCtx();
    const replyable = workerFor({ ...ctx, env: { ...ctx.env, IMAP_URL: 'imap://help:secret@127.0.0.1:1143' } });
    await replyable.drain();
    replyable.close();
    const after = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { toAddress: client.email } });
    expect(after.text).toContain('You can reply to this e-mail');
    expect(after.html).not.toContain('do not reply');
  });
});

describe('when the SMTP server is down for the first attempts', () => {
  it('delivers everything once it is back: none lost, none doubled', async () => {
    smtp.isDown = true;
    const number = await file(client);
    await step(support, number, 'assign', { categoryId, priority: 'LOW', technicianId: tech.id, departmentId: null });
    const worker = workerFor(smtpCtx());
    const first = await worker.drain();
    expect(first.retrying).toBe(2);
    expect(smtp.refusals).toBeGreaterThan(0);
    expect(smtp.received).toHaveLength(0);
    const waiting = await t.db.prisma.outboxMessage.findMany({ where: { sentAt: null } });
    expect(waiting.every((row) => row.attempts === 1 && row.lastError?.includes('421'))).toBe(true);
    // Not due yet: the backoff holds it back.
    expect((await worker.drain()).claimed).toBe(0);
    // A second failed attempt, then the server comes back.
    await worker.drain({ now: later(60_000) });
    smtp.isDown = false;
    await worker.drain({ now: later(10 * 60_000) });
    expect(await t.db.prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);
    const messages = await t.db.prisma.emailMessage.findMany();
    expect(messages).toHaveLength(4);
    expect(messages.every((m) => m.status === 'SENT' && m.attempts === 3)).toBe(true);
    const ids = smtp.received.map((mail) => mail.messageId);
    expect(ids).toHaveLength(4);
    expect(new Set(ids)).toEqual(new Set(messages.map((m) => m.messageId)));
    worker.close();
  });

  it('re-sends with the same Message-ID after a crash between sending and marking', async () => {
    const number = await file(client);
    const worker = workerFor(smtpCtx());
    await worker.drain();
    const before = await t.db.prisma.emailMessage.findMany({ orderBy: { id: 'asc' } });
    // As if the process died after the SMTP server accepted and before the rows were marked.
    await t.db.prisma.emailMessage.updateMany({ data: { status: 'QUEUED', sentAt: null } });
    await t.db.prisma.outboxMessage.updateMany({ where: { ticketId: { not: null } }, data: { sentAt: null } });
    // Not before its lease ends: until then another worker may still be at it.
    expect((await worker.drain()).claimed).toBe(0);
    await worker.drain({ now: later(11 * 60_000) });
    const ids = smtp.received.map((mail) => mail.messageId);
    expect(ids).toHaveLength(before.length * 2);
    expect(new Set(ids).size).toBe(before.length);
    expect(await t.db.prisma.emailMessage.count()).toBe(before.length);
    expect(number).toBeGreaterThan(1000);
    worker.close();
  });

  it('gives up after the last attempt and marks the messages FAILED', async () => {
    smtp.isDown = true;
    await file(client);
    const worker = workerFor(smtpCtx(), { maxAttempts: 2 });
    await worker.drain();
    await worker.drain({ now: later(60 * 60_000) });
    const row = await t.db.prisma.outboxMessage.findFirstOrThrow();
    expect(row.failedAt).not.toBeNull();
    expect(row.attempts).toBe(2);
    expect(await t.db.prisma.emailMessage.count({ where: { status: 'FAILED' } })).toBe(3);
    worker.close();
  });
});

describe('when two workers run at once', () => {
  it('never sends the same message twice', async () => {
    for (let i = 0; i < 8; i++) await file(client, `Ticket ${i}`);
    // On a server database each worker gets its own pool, as two processes would; the embedded
    // database has one connection, so both share it.
    const second = t.ctx.db.isEmbedded === false ? connectDatabase({ url: t.db.url, poolSize: 3 }) : null;
    const otherCtx = second ? { ...smtpCtx(), db: second, settings: new SettingsService(second.prisma) } : smtpCtx();
    const a = workerFor(smtpCtx(), { batchSize: 3 });
    const b = workerFor(otherCtx, { batchSize: 3 });
    let claimed = 0;
    try {
      const results = await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
      claimed = results.reduce((sum, result) => sum + result.claimed, 0);
    } finally {
      a.close();
      b.close();
      await second?.close();
    }
    // Each outbox row was claimed by exactly one of them.
    expect(claimed).toBe(8);
    const messages = await t.db.prisma.emailMessage.findMany();
    expect(messages).toHaveLength(8 * 3);
    const ids = smtp.received.map((mail) => mail.messageId);
    expect(ids).toHaveLength(8 * 3);
    expect(new Set(ids).size).toBe(8 * 3);
    expect(await t.db.prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);
  });
});
