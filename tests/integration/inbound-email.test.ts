// E-mail in: messages delivered into a real IMAP mailbox (our own dovecot), polled once per case,
// and what each one leaves behind: a ticket, a comment, a polite reply, or only a log row.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import type { Env } from '../../src/config/env.js';
import { createImapPoller } from '../../src/inbound/imap-poller.js';
import { createInboundService } from '../../src/inbound/inbound.service.js';
import type { Job } from '../../src/jobs/scheduler.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { createServices } from '../../src/services.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { composeMail, imapSuiteTitle, skipImap, startTestImap, type TestImap } from '../helpers/imap.js';

const HELPDESK = 'soporte@help.example.test';
// The smallest valid PNG (1×1): magic bytes the upload rules accept as image/png.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
  'hex',
);

let t: TestApp;
let imap: TestImap;
let uploadDir: string;
let tickets: TicketsService;
let categoryId: number;
let support: Actor;
let tech: Actor;
let adminEmail: string;
let supportEmail: string;

type User = Awaited<ReturnType<typeof createUser>>;
const actorOf = (user: User): Actor => ({
  id: user.id,
  role: user.role,
  organizationId: user.organizationId,
  isOrgManager: user.isOrgManager,
});

/** Polls the mailbox once with the real poller and the inbound rules (env overrides per case). */
async function poll(env: Partial<Env> = {}) {
  const ctx = { ...t.ctx, env: { ...t.ctx.env, ...env } };
  const inbound = createInboundService(ctx, tickets, createLocalStorage(uploadDir));
  const poller = createImapPoller({
    url: imap.url,
    folder: 'INBOX',
    logger: t.ctx.logger,
    process: (raw) => inbound.processMessage(raw),
  });
  return poller.pollOnce();
}

async function deliver(options: Parameters<typeof composeMail>[0]) {
  const raw = await composeMail({ to: HELPDESK, ...options });
  await imap.deliver(raw);
  return raw;
}

async function step(actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) {
  const { version } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
  await tickets.transitionTicket(actor, number, action, { version, ...input } as never);
}

async function fileTicket(client: User, subject = 'The gate camera is offline') {
  return tickets.create(
    actorOf(client),
    { subject, description: 'Since this morning.', categoryId, priority: 'MEDIUM', requesterId: null },
    [],
  );
}

const inboundOf = (fromAddress: string) =>
  t.db.prisma.inboundEmail.findMany({ where: { fromAddress }, orderBy: { id: 'asc' } });
const ticketsOf = (requesterId: number) => t.db.prisma.ticket.findMany({ where: { requesterId } });
const repliesTo = (payloadTo: string) =>
  t.db.prisma.outboxMessage.findMany({
    where: { topic: 'inbound.rejected', payload: { path: ['to'], equals: payloadTo } },
  });

async function filesOnDisk(): Promise<string[]> {
  const entries = await readdir(uploadDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe.skipIf(skipImap)(imapSuiteTitle('incoming e-mail over IMAP'), () => {
  beforeAll(async () => {
    uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-inbound-'));
    t = await createTestApp({ UPLOAD_DIR: uploadDir, BASE_URL: 'http://help.example.test', UPLOAD_MAX_MB: '10' });
    imap = await startTestImap();
    const { prisma } = t.db;
    tickets = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
    const department = await createDepartment(prisma, 'Cameras');
    categoryId = (await prisma.category.create({ data: { name: 'CCTV', departmentId: department.id } })).id;
    support = actorOf(await createUser(prisma, { role: 'SUPPORT' }));
    tech = actorOf(await createUser(prisma, { role: 'TECHNICIAN' }));
    // An install with an admin is past first-run setup, so clients can sign in.
    adminEmail = (await createUser(prisma, { role: 'ADMIN' })).email;
    supportEmail = (await prisma.user.findUniqueOrThrow({ where: { id: support.id } })).email;
  });
  afterAll(async () => {
    await imap?.close();
    await t?.close();
    if (uploadDir) await rm(uploadDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await imap.empty();
    await t.ctx.settings.update({ inboundUnknownSender: 'reject' }, null);
  });

  describe('a message from a known client', () => {
    it('opens an EMAIL ticket with its attachment, confirms it to the client, and is marked seen', async () => {
      const client = await createUser(t.db.prisma, { name: 'Clara Cliente' });
      await deliver({
        from: `Clara Cliente <${client.email}>`,
        subject: 'Printer on floor 2 is jammed',
        text: 'It shows error E-42 since this morning.\nPhoto attached.',
        attachments: [{ filename: 'photo.png', content: PNG, contentType: 'image/png' }],
      });

      const result = await poll();

      expect(result).toEqual({ processed: 1, failed: 0, remaining: 0 });
      expect(await imap.unseen()).toEqual([]);
      const [ticket] = await ticketsOf(client.id);
      expect(ticket).toMatchObject({
        channel: 'EMAIL',
        status: 'NEW',
        subject: 'Printer on floor 2 is jammed',
        description: 'It shows error E-42 since this morning.\nPhoto attached.',
        createdById: client.id,
        organizationId: client.organizationId,
      });
      const files = await t.db.prisma.attachment.findMany({ where: { ticketId: ticket?.id } });
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({
        originalName: 'photo.png',
        mimeType: 'image/png',
        size: PNG.length,
        sha256: createHash('sha256').update(PNG).digest('hex'),
        isInternal: false,
      });
      const [log] = await inboundOf(client.email);
      expect(log).toMatchObject({ status: 'TICKET_CREATED', ticketId: ticket?.id, reason: null });

      // The confirmation to the client goes out through the outbox like a web-filed ticket's.
      const worker = createAppMailWorker(t.ctx);
      await worker.drain();
      const mail = await t.db.prisma.emailMessage.findFirst({
        where: { ticketId: ticket?.id, toAddress: client.email, topic: 'ticket.created' },
      });
      expect(mail?.subject).toBe(`[TKT-${ticket?.number}] Recibimos su solicitud: Printer on floor 2 is jammed`);
    });

    it('keeps only safe text from an HTML-only message with a <script>', async () => {
      const client = await createUser(t.db.prisma);
      await deliver({
        from: client.email,
        subject: 'HTML only',
        html:
          '<html><head><script>alert("owned")</script><style>p{color:red}</style></head>' +
          '<body><p>Badge reader <b>beeps</b> twice</p><img src="x" onerror="alert(2)"></body></html>',
      });

      await poll();

      const [ticket] = await ticketsOf(client.id);
      expect(ticket?.description).toContain('Badge reader beeps twice');
      expect(ticket?.description).not.toMatch(/alert|<script|onerror|<b>|color:red/);
      const agent = await loginAs(t.app, client.email);
      const page = await agent.get(`/tickets/TKT-${ticket?.number}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Badge reader beeps twice');
      expect(page.text).not.toContain('alert(');
      expect(page.text).not.toContain('<b>beeps</b>');
    });

    it('creates the ticket without a 20 MB attachment, says so, and stores nothing on disk', async () => {
      const client = await createUser(t.db.prisma);
      const before = await filesOnDisk();
      await deliver({
        from: client.email,
        subject: 'Full camera export',
        text: 'The recording is attached.',
        attachments: [{ filename: 'export.zip', content: Buffer.alloc(20 * 1024 * 1024, 7) }],
      });

      const result = await poll();

      expect(result.processed).toBe(1);
      const [ticket] = await ticketsOf(client.id);
      expect(ticket?.description).toContain('The recording is attached.');
      expect(ticket?.description).toContain('export.zip (supera 10 MB)');
      expect(await t.db.prisma.attachment.count({ where: { ticketId: ticket?.id } })).toBe(0);
      const [log] = await inboundOf(client.email);
      expect(log).toMatchObject({ status: 'TICKET_CREATED', reason: 'attachments refused: export.zip (tooLarge)' });
      expect(await filesOnDisk()).toEqual(before);
    });
  });

  describe('a reply on a ticket', () => {
    it('with [TKT-n] in the subject becomes a public comment and resumes a ticket on hold', async () => {
      const client = await createUser(t.db.prisma);
      const number = await fileTicket(client);
      await step(support, number, 'assign', {
        categoryId,
        priority: 'HIGH',
        technicianId: tech.id,
        departmentId: null,
      });
      await step(tech, number, 'start');
      await step(tech, number, 'hold', { reason: 'Which camera exactly?' });
      await deliver({ from: client.email, subject: `Re: [TKT-${number}] Waiting for your reply`, text: 'Camera 7.' });

      await poll();

      const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
      expect(ticket.status).toBe('IN_PROGRESS');
      const comment = await t.db.prisma.comment.findFirstOrThrow({ where: { ticketId: ticket.id, body: 'Camera 7.' } });
      expect(comment).toMatchObject({ authorId: client.id, isInternal: false });
      const [log] = await inboundOf(client.email);
      expect(log).toMatchObject({ status: 'COMMENT_ADDED', ticketId: ticket.id, commentId: comment.id });
      expect(await ticketsOf(client.id)).toHaveLength(1);
    });

    it('whose In-Reply-To is one of our Message-IDs threads without a tag, keeping only the new text', async () => {
      const client = await createUser(t.db.prisma);
      const number = await fileTicket(client);
      await createAppMailWorker(t.ctx).drain();
      const ours = await t.db.prisma.emailMessage.findFirstOrThrow({
        where: { toAddress: client.email, topic: 'ticket.created' },
      });
      expect(ours.messageId).toMatch(/^<outbox-\d+-\d+@help\.example\.test>$/);
      await deliver({
        from: client.email,
        subject: 'Re: your request',
        text: 'It is the one at the back door.\n\nOn Tue, Dec 1, 2026 at 10:00 Centinela <no-reply@localhost> wrote:\n> Registramos su ticket.',
        inReplyTo: ours.messageId,
        references: [ours.messageId],
      });

      await poll();

      const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
      // Only what the client wrote: the quoted notification is cut.
      const comments = await t.db.prisma.comment.findMany({ where: { ticketId: ticket.id, authorId: client.id } });
      expect(comments.map((c) => c.body)).toEqual(['It is the one at the back door.']);
      expect(await ticketsOf(client.id)).toHaveLength(1);
    });

    it('on a RESOLVED ticket adds nothing and answers with how to reopen it', async () => {
      const client = await createUser(t.db.prisma);
      const number = await fileTicket(client);
      await step(support, number, 'resolve_direct', { message: 'Restarted the recorder.' });
      await deliver({ from: client.email, subject: `Re: [TKT-${number}] Ticket resolved`, text: 'Still broken.' });

      await poll();

      const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
      expect(ticket.status).toBe('RESOLVED');
      expect(await t.db.prisma.comment.count({ where: { ticketId: ticket.id, authorId: client.id } })).toBe(0);
      const [log] = await inboundOf(client.email);
      expect(log).toMatchObject({ status: 'REJECTED', reason: 'ticket-closed' });
      await createAppMailWorker(t.ctx).drain();
      const reply = await t.db.prisma.emailMessage.findFirstOrThrow({
        where: { toAddress: client.email, topic: 'inbound.rejected' },
      });
      expect(reply.subject).toBe(`[TKT-${number}] Su ticket ya no está abierto: The gate camera is offline`);
      expect(reply.text).toContain(`http://help.example.test/tickets/TKT-${number}`);
      expect(reply.toUserId).toBe(client.id);
    });

    it('from a stranger is refused politely and never touches the ticket', async () => {
      const client = await createUser(t.db.prisma);
      const number = await fileTicket(client);
      const stranger = `stranger-${Date.now()}@elsewhere.test`;
      await deliver({ from: stranger, subject: `Re: [TKT-${number}] The gate camera`, text: 'Let me in.' });

      await poll();

      const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
      expect(await t.db.prisma.comment.count({ where: { ticketId: ticket.id } })).toBe(0);
      expect(await inboundOf(stranger)).toMatchObject([{ status: 'REJECTED', reason: 'unknown-sender' }]);
      expect(await repliesTo(stranger)).toHaveLength(1);
    });

    it('from another client, who may not see the ticket, is refused without naming it', async () => {
      const owner = await createUser(t.db.prisma);
      const other = await createUser(t.db.prisma);
      const number = await fileTicket(owner);
      await deliver({ from: other.email, subject: `Re: [TKT-${number}]`, text: 'Me too.' });

      await poll();

      const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
      expect(await t.db.prisma.comment.count({ where: { ticketId: ticket.id } })).toBe(0);
      expect(await inboundOf(other.email)).toMatchObject([{ status: 'REJECTED', reason: 'not-allowed' }]);
      const [reply] = await repliesTo(other.email);
      expect(reply?.ticketId).toBeNull();
    });
  });

  describe('a new message from an unknown sender', () => {
    it('with the "reject" policy queues one polite reply and files nothing', async () => {
      const stranger = `someone-${Date.now()}@elsewhere.test`;
      await deliver({ from: `Some One <${stranger}>`, subject: 'Hello', text: 'Can you help?' });

      await poll();

      expect(await t.db.prisma.user.count({ where: { email: stranger } })).toBe(0);
      expect(await inboundOf(stranger)).toMatchObject([
        { status: 'REJECTED', reason: 'unknown-sender', ticketId: null },
      ]);
      expect(await repliesTo(stranger)).toHaveLength(1);
      await createAppMailWorker(t.ctx).drain();
      const reply = await t.db.prisma.emailMessage.findFirstOrThrow({ where: { toAddress: stranger } });
      expect(reply).toMatchObject({ toUserId: null, subject: 'No pudimos registrar su correo' });
      expect(reply.text).toContain('Some One');
      expect(reply.text).toContain('Hello');
    });

    it('with the "drop" policy records it and does nothing else', async () => {
      await t.ctx.settings.update({ inboundUnknownSender: 'drop' }, null);
      const stranger = `dropme-${Date.now()}@elsewhere.test`;
      await deliver({ from: stranger, subject: 'Hello', text: 'Anyone?' });

      await poll();

      expect(await inboundOf(stranger)).toMatchObject([{ status: 'IGNORED', reason: 'unknown-sender' }]);
      expect(await repliesTo(stranger)).toHaveLength(0);
      expect(await t.db.prisma.user.count({ where: { email: stranger } })).toBe(0);
    });

    it('with the "create" policy creates an active client account and the ticket', async () => {
      await t.ctx.settings.update({ inboundUnknownSender: 'create' }, null);
      const stranger = `Newcomer-${Date.now()}@Elsewhere.test`;
      await deliver({ from: `Nina Newcomer <${stranger}>`, subject: 'Door sensor', text: 'Door 3 reports open.' });

      await poll();

      const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email: stranger.toLowerCase() } });
      expect(user).toMatchObject({ role: 'CLIENT', isActive: true, organizationId: null, name: 'Nina Newcomer' });
      expect(user.emailVerifiedAt).not.toBeNull();
      const [ticket] = await ticketsOf(user.id);
      expect(ticket).toMatchObject({ subject: 'Door sensor', channel: 'EMAIL', description: 'Door 3 reports open.' });
      expect(await repliesTo(stranger.toLowerCase())).toHaveLength(0);
    });
  });

  describe('mail no person wrote', () => {
    const cases: { name: string; from: string; headers?: Record<string, string>; bounce?: boolean }[] = [
      { name: 'an auto-reply (Auto-Submitted)', from: 'away', headers: { 'Auto-Submitted': 'auto-replied' } },
      { name: 'bulk mail (Precedence: bulk)', from: 'news', headers: { Precedence: 'bulk' } },
      { name: 'an X-Autoreply', from: 'robot', headers: { 'X-Autoreply': 'yes' } },
      { name: 'a bounce from MAILER-DAEMON', from: 'MAILER-DAEMON', bounce: true },
    ];
    for (const mail of cases) {
      it(`${mail.name} is recorded as ignored and never answered`, async () => {
        const client = await createUser(t.db.prisma);
        const number = await fileTicket(client);
        const from = `${mail.from}-${Date.now()}@mx.elsewhere.test`.replace(/^MAILER-DAEMON-\d+/, 'MAILER-DAEMON');
        await deliver({
          from,
          subject: mail.bounce
            ? `Undelivered Mail Returned to Sender [TKT-${number}]`
            : `Re: [TKT-${number}] Out of office`,
          text: 'I am away until Monday.',
          headers: mail.headers,
          ...(mail.bounce
            ? {
                attachments: [
                  {
                    contentType: 'message/delivery-status',
                    content: 'Reporting-MTA: dns; mx.elsewhere.test\n\nFinal-Recipient: rfc822; gone@elsewhere.test\n',
                  },
                ],
              }
            : {}),
        });

        const result = await poll();

        expect(result.processed).toBe(1);
        const logs = await inboundOf(from.toLowerCase());
        expect(logs).toHaveLength(1);
        expect(logs[0]).toMatchObject({
          status: 'IGNORED',
          reason: mail.bounce ? 'bounce' : mail.from === 'news' ? 'bulk' : 'auto-reply',
        });
        expect(await repliesTo(from.toLowerCase())).toHaveLength(0);
        const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
        expect(await t.db.prisma.comment.count({ where: { ticketId: ticket.id } })).toBe(0);
      });
    }

    it('more than INBOUND_MAX_PER_HOUR from one sender are ignored past the cap', async () => {
      const client = await createUser(t.db.prisma);
      for (const n of [1, 2, 3]) await deliver({ from: client.email, subject: `Problem ${n}`, text: `Number ${n}.` });

      await poll({ INBOUND_MAX_PER_HOUR: 2 });

      expect(await ticketsOf(client.id)).toHaveLength(2);
      const logs = await inboundOf(client.email);
      expect(logs.map((log) => `${log.status} ${log.reason ?? ''}`.trim())).toEqual([
        'TICKET_CREATED',
        'TICKET_CREATED',
        'IGNORED rate-limit',
      ]);
      expect(await repliesTo(client.email)).toHaveLength(0);
    });
  });

  describe('a message seen twice', () => {
    it('after a crash before \\Seen creates one ticket', async () => {
      const client = await createUser(t.db.prisma);
      await deliver({ from: client.email, subject: 'Twice', text: 'Once, please.' });
      await poll();
      // As if the poll had died between recording the message and flagging it.
      await imap.markAllUnseen();
      expect(await imap.unseen()).toHaveLength(1);

      const again = await poll();

      expect(again.processed).toBe(1);
      expect(await imap.unseen()).toEqual([]);
      expect(await ticketsOf(client.id)).toHaveLength(1);
      expect(await inboundOf(client.email)).toHaveLength(1);
    });

    it('by two pollers at the same moment creates one ticket (the Message-ID is unique)', async () => {
      const client = await createUser(t.db.prisma);
      const raw = await composeMail({ from: client.email, to: HELPDESK, subject: 'Race', text: 'Both at once.' });
      const inbound = createInboundService(t.ctx, tickets, createLocalStorage(uploadDir));

      const outcomes = await Promise.all([inbound.processMessage(raw), inbound.processMessage(raw)]);

      expect(outcomes.map((o) => o.duplicate).sort()).toEqual([false, true]);
      expect(await ticketsOf(client.id)).toHaveLength(1);
      expect(await inboundOf(client.email)).toHaveLength(1);
    });

    it('without a Message-ID is recognised by its bytes', async () => {
      const client = await createUser(t.db.prisma);
      const raw = [
        `From: ${client.email}`,
        `To: ${HELPDESK}`,
        'Subject: No id',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Sent by an old script.',
        '',
      ].join('\r\n');
      await imap.deliver(raw);
      await poll();
      await imap.markAllUnseen();
      await poll();

      expect(await ticketsOf(client.id)).toHaveLength(1);
      const logs = await inboundOf(client.email);
      expect(logs).toHaveLength(1);
      expect(logs[0]?.messageId).toMatch(/^<sha256-[0-9a-f]{64}@inbound\.invalid>$/);
    });
  });

  describe('the poller', () => {
    it('leaves a message it could not record unseen, for the next poll', async () => {
      const client = await createUser(t.db.prisma);
      await deliver({ from: client.email, subject: 'Database was down', text: 'Retry me.' });
      const failing = createImapPoller({
        url: imap.url,
        folder: 'INBOX',
        logger: t.ctx.logger,
        process: async () => {
          throw new Error('database unavailable');
        },
      });

      expect(await failing.pollOnce()).toEqual({ processed: 0, failed: 1, remaining: 0 });
      expect(await imap.unseen()).toHaveLength(1);

      await poll();
      expect(await ticketsOf(client.id)).toHaveLength(1);
      expect(await imap.unseen()).toEqual([]);
    });

    it('runs as an app job only when IMAP_URL is set, and stops cleanly', async () => {
      const jobsOf = (env: Partial<Env>): Job[] => createServices({ ...t.ctx, env: { ...t.ctx.env, ...env } }).jobs;
      expect(jobsOf({}).map((job) => job.name)).not.toContain('inbound-mail');
      const job = jobsOf({ IMAP_URL: imap.url, IMAP_POLL_SECONDS: 5 }).find((j) => j.name === 'inbound-mail');
      expect(job?.everyMs).toBe(5_000);
      const client = await createUser(t.db.prisma);
      await deliver({ from: client.email, subject: 'Via the job', text: 'Scheduled poll.' });

      await job?.run();

      expect(await ticketsOf(client.id)).toHaveLength(1);
      job?.stop?.();
      // A stopped poller does not poll again.
      await deliver({ from: client.email, subject: 'After stop', text: 'Not read.' });
      expect(await job?.run()).toBeNull();
      expect(await imap.unseen()).toHaveLength(1);
    });
  });

  describe('the admin page /admin/inbound', () => {
    it('lists each message with its outcome and ticket, filters by status, and is for admins only', async () => {
      const client = await createUser(t.db.prisma);
      await deliver({ from: client.email, subject: 'Listed <b>here</b>', text: 'For the log.' });
      await deliver({
        from: client.email,
        subject: 'Away',
        text: 'Away.',
        headers: { 'Auto-Submitted': 'auto-replied' },
      });
      await poll();
      const [ticket] = await ticketsOf(client.id);
      const admin = await loginAs(t.app, adminEmail);

      const page = await admin.get('/admin/inbound');

      expect(page.status).toBe(200);
      expect(page.text).toContain('Listed &lt;b&gt;here&lt;/b&gt;');
      expect(page.text).toContain(`href="/tickets/TKT-${ticket?.number}"`);
      expect(page.text).toContain('Ticket creado');
      const ignored = await admin.get('/admin/inbound?status=IGNORED');
      expect(ignored.text).toContain('auto-reply');
      expect(ignored.text).not.toContain('Listed &lt;b&gt;');
      expect((await (await loginAs(t.app, supportEmail)).get('/admin/inbound')).status).toBe(403);
    });
  });
});
