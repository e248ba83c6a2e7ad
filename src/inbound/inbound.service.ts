// Incoming e-mail → tickets. One raw message in, one recorded outcome out: a new ticket, a public
// comment on the ticket it answers, or a recorded refusal (with a polite reply where a person
// wrote it). The lifecycle and permissions stay in the tickets service; this module only decides
// which of its actions an e-mail asks for, and records the message by Message-ID in the same
// transaction, so a message polled twice (a crash before it was marked \Seen) is processed once.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { inspectUpload } from '../attachments/inspect.js';
import type { AttachmentStorage } from '../attachments/storage.js';
import type { PreparedUpload } from '../attachments/upload.js';
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { InboundStatus } from '../generated/prisma/enums.js';
import { AppError } from '../lib/errors.js';
import { defaultLanguage, languageFromDb, translator } from '../lib/i18n.js';
import { hashPassword } from '../lib/password.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { type InboundUnknownSender, inboundUnknownSenderPolicies } from '../settings/settings.service.js';
import type { Actor } from '../tickets/tickets.policy.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { INBOUND_REJECTED_TOPIC, type InboundReplyReason } from './inbound-emails.js';
import { machineMailKind } from './loop-detection.js';
import { stripQuotedReply } from './reply-text.js';
import { findThreadTicket } from './threading.js';

type Tx = Prisma.TransactionClient;

export type InboundOutcome = {
  status: InboundStatus;
  reason: string | null;
  ticketNumber: number | null;
  /** True when the Message-ID was already recorded: nothing was done this time. */
  duplicate: boolean;
};

const SUBJECT_MAX = 200;
const BODY_MAX = 20_000;
// Control characters the ticket forms refuse (tab and newline are kept).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/g;

const cleanLine = (value: string, max: number) =>
  value
    .replace(/[\r\n\t]+/g, ' ')
    .replace(controlChars, '')
    .normalize('NFC')
    .trim()
    .slice(0, max);
const cleanBody = (value: string) =>
  value
    .replace(/\r\n?/g, '\n')
    .replace(controlChars, '')
    .replace(/\n{3,}/g, '\n\n')
    .normalize('NFC')
    .trim();

type Refusal = { name: string; reason: 'tooLarge' | 'tooMany' | 'type' | 'name' | 'empty' };

/** A Message-ID is at most 998 characters; one without any gets a stable id from its bytes. */
function messageIdOf(mail: ParsedMail | null, raw: Buffer): string {
  const given = mail?.messageId?.trim();
  if (given && given.length <= 998) return given;
  return `<sha256-${createHash('sha256').update(raw).digest('hex')}@inbound.invalid>`;
}

export function createInboundService(
  ctx: Pick<AppContext, 'env' | 'db' | 'settings' | 'logger'>,
  tickets: TicketsService,
  storage: AttachmentStorage,
) {
  const { prisma } = ctx.db;
  const maxBytes = Math.floor(ctx.env.UPLOAD_MAX_MB * 1024 * 1024);
  const ownAddress = (/<([^>]+)>/.exec(ctx.env.MAIL_FROM)?.[1] ?? ctx.env.MAIL_FROM).trim().toLowerCase();

  type Log = { messageId: string; fromAddress: string; subject: string };

  const logRow = (log: Log, status: InboundStatus, reason: string | null, extra = {}) => ({
    messageId: log.messageId,
    fromAddress: log.fromAddress.slice(0, 254),
    subject: log.subject.slice(0, 300),
    status,
    reason: reason?.slice(0, 200) ?? null,
    ...extra,
  });

  const isDuplicateKey = (error: unknown) =>
    typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 'P2002';

  /**
   * Records a message that made no ticket or comment, and queues the polite reply if there is
   * one, in one transaction. Another poller that recorded it first wins: nothing is written twice.
   */
  async function recordOnly(
    log: Log,
    status: InboundStatus,
    reason: string,
    reply?: { to: string; name: string; locale: string | null; reason: InboundReplyReason; ticketId?: number },
  ): Promise<InboundOutcome> {
    try {
      await prisma.$transaction(async (tx) => {
        await tx.inboundEmail.create({ data: logRow(log, status, reason) });
        if (reply) {
          await enqueueNotification(
            tx,
            INBOUND_REJECTED_TOPIC,
            { to: reply.to, name: reply.name, locale: reply.locale, subject: log.subject, reason: reply.reason },
            reply.ticketId ?? null,
          );
        }
      });
    } catch (error) {
      if (isDuplicateKey(error)) return { status, reason, ticketNumber: null, duplicate: true };
      throw error;
    }
    return { status, reason, ticketNumber: null, duplicate: false };
  }

  /**
   * Writes the attachments the upload rules accept to temporary files, as the web form's
   * PreparedUpload. A refused one never touches the disk (too large) or is removed at once.
   */
  async function prepareAttachments(mail: ParsedMail): Promise<{ uploads: PreparedUpload[]; refused: Refusal[] }> {
    const uploads: PreparedUpload[] = [];
    const refused: Refusal[] = [];
    await mkdir(storage.tempDir, { recursive: true });
    for (const [index, attachment] of mail.attachments.entries()) {
      const name = cleanLine(attachment.filename ?? `attachment-${index + 1}`, 255) || `attachment-${index + 1}`;
      const size = attachment.content.length;
      if (size > maxBytes) {
        refused.push({ name, reason: 'tooLarge' });
        continue;
      }
      if (uploads.length >= ctx.env.UPLOAD_MAX_FILES) {
        refused.push({ name, reason: 'tooMany' });
        continue;
      }
      const tempPath = path.join(storage.tempDir, randomBytes(16).toString('hex'));
      await writeFile(tempPath, attachment.content);
      const inspection = await inspectUpload({ path: tempPath, originalname: name, size });
      if (!inspection.ok) {
        await rm(tempPath, { force: true });
        refused.push({ name, reason: inspection.reason });
        continue;
      }
      uploads.push({ tempPath, originalName: inspection.displayName, mimeType: inspection.mimeType });
    }
    return { uploads, refused };
  }

  /** The refused files, in the writer's language, appended to what they wrote (both sides see it). */
  function withRefusalNote(text: string, refused: Refusal[], locale: string | null): string {
    if (refused.length === 0) return text.slice(0, BODY_MAX);
    // The note survives a long text: the text is cut, not the note.
    const body = text.slice(0, BODY_MAX - 2_000);
    const t = translator(languageFromDb(locale) ?? defaultLanguage);
    const files = refused
      .slice(0, 10)
      .map(
        (file) =>
          `${file.name.slice(0, 100)} (${t(`tickets.inbound.refusal.${file.reason}`, { max: ctx.env.UPLOAD_MAX_MB })})`,
      )
      .join(', ');
    return `${body}\n\n— ${t('tickets.inbound.attachmentsRefused', { files })}`;
  }

  const refusalReason = (refused: Refusal[]) =>
    refused.length === 0 ? null : `attachments refused: ${refused.map((f) => `${f.name} (${f.reason})`).join(', ')}`;

  async function senderUser(address: string) {
    return prisma.user.findUnique({
      where: { email: address },
      select: { id: true, role: true, organizationId: true, isOrgManager: true, isActive: true, locale: true },
    });
  }

  /** The 'create' policy: an active client account with no organization and an unusable password. */
  async function createClient(address: string, displayName: string) {
    const passwordHash = await hashPassword(randomBytes(32).toString('hex'));
    const name = cleanLine(displayName, 120) || address.split('@')[0] || address;
    try {
      return await prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { email: address, name, role: 'CLIENT', passwordHash, emailVerifiedAt: new Date() },
          select: { id: true, role: true, organizationId: true, isOrgManager: true, isActive: true, locale: true },
        });
        await tx.auditLog.create({
          data: {
            actorId: null,
            action: 'user.createFromEmail',
            entityType: 'user',
            entityId: String(user.id),
            data: { email: address },
          },
        });
        return user;
      });
    } catch (error) {
      // Created meanwhile by another poller (or a registration): use that account.
      if (isDuplicateKey(error)) return senderUser(address);
      throw error;
    }
  }

  async function handle(raw: Buffer): Promise<InboundOutcome> {
    let mail: ParsedMail | null = null;
    try {
      mail = await simpleParser(raw, { skipImageLinks: true });
    } catch (error) {
      ctx.logger.warn({ err: error }, 'inbound e-mail could not be parsed');
    }
    const messageId = messageIdOf(mail, raw);
    if (await prisma.inboundEmail.findUnique({ where: { messageId }, select: { id: true } })) {
      return { status: 'IGNORED', reason: 'duplicate', ticketNumber: null, duplicate: true };
    }
    const sender = mail?.from?.value[0];
    const fromAddress = (sender?.address ?? '').trim().toLowerCase();
    const subject = cleanLine(mail?.subject ?? '', SUBJECT_MAX);
    const log: Log = { messageId, fromAddress, subject };
    if (!mail) return recordOnly(log, 'FAILED', 'unparseable');
    if (!fromAddress.includes('@')) return recordOnly(log, 'IGNORED', 'no-sender');

    const machine = machineMailKind(mail, fromAddress);
    if (machine) return recordOnly(log, 'IGNORED', machine);
    if (fromAddress === ownAddress) return recordOnly(log, 'IGNORED', 'own-address');

    // Every message from the address counts, ignored ones too: a loop stays capped.
    const lastHour = await prisma.inboundEmail.count({
      where: { fromAddress, createdAt: { gte: new Date(Date.now() - 3_600_000) } },
    });
    if (lastHour >= ctx.env.INBOUND_MAX_PER_HOUR) return recordOnly(log, 'IGNORED', 'rate-limit');

    const replyTo = (reason: InboundReplyReason, user: { locale: string | null } | null, ticketId?: number) => ({
      to: fromAddress,
      name: cleanLine(sender?.name ?? '', 120),
      locale: user?.locale ?? null,
      reason,
      ticketId,
    });

    let user = await senderUser(fromAddress);
    if (!user) {
      const settings = await ctx.settings.get();
      const policy: InboundUnknownSender = inboundUnknownSenderPolicies.includes(settings.inboundUnknownSender)
        ? settings.inboundUnknownSender
        : 'reject';
      if (policy === 'drop') return recordOnly(log, 'IGNORED', 'unknown-sender');
      if (policy === 'reject') {
        return recordOnly(log, 'REJECTED', 'unknown-sender', replyTo('unknownSender', null));
      }
      user = await createClient(fromAddress, sender?.name ?? '');
      if (!user) throw new Error(`could not create a client for ${fromAddress}`);
    }
    if (!user.isActive) return recordOnly(log, 'REJECTED', 'inactive-user', replyTo('notAllowed', user));
    const actor: Actor = {
      id: user.id,
      role: user.role,
      organizationId: user.organizationId,
      isOrgManager: user.isOrgManager,
    };

    const thread = await findThreadTicket(prisma, {
      subject,
      inReplyTo: mail.inReplyTo ?? null,
      references: mail.references ?? null,
      baseUrl: ctx.env.BASE_URL ?? `http://localhost:${ctx.env.PORT}`,
    });
    // Mailparser derives `text` from the HTML part when there is no text part: scripts, styles
    // and tags are gone; what is left is shown escaped like any comment.
    const text = cleanBody(mail.text ?? '');

    if (thread) {
      const { uploads, refused } = await prepareAttachments(mail);
      const t = translator(languageFromDb(user.locale) ?? defaultLanguage);
      const body = withRefusalNote(stripQuotedReply(text) || t('tickets.inbound.noText'), refused, user.locale);
      try {
        await tickets.addComment(actor, thread.number, { body, internal: false }, uploads, {
          inTransaction: async (tx: Tx, comment) => {
            await tx.inboundEmail.create({
              data: logRow(log, 'COMMENT_ADDED', refusalReason(refused), {
                ticketId: comment.ticketId,
                commentId: comment.commentId,
              }),
            });
          },
        });
        return {
          status: 'COMMENT_ADDED',
          reason: refusalReason(refused),
          ticketNumber: thread.number,
          duplicate: false,
        };
      } catch (error) {
        if (isDuplicateKey(error))
          return { status: 'IGNORED', reason: 'duplicate', ticketNumber: null, duplicate: true };
        if (!(error instanceof AppError)) throw error;
        // A ticket changed while we wrote (stale version): let the next poll try again.
        if (error.code === 'STALE') throw error;
        // Not theirs to see: answer as if the ticket did not exist for them.
        if (error.code === 'NOT_FOUND') return recordOnly(log, 'REJECTED', 'not-allowed', replyTo('notAllowed', user));
        const closed = ['RESOLVED', 'CLOSED', 'CANCELLED'].includes(thread.status);
        return closed
          ? recordOnly(log, 'REJECTED', 'ticket-closed', replyTo('ticketClosed', user, thread.id))
          : recordOnly(log, 'REJECTED', 'not-allowed', replyTo('notAllowed', user));
      } finally {
        await Promise.all(uploads.map((upload) => rm(upload.tempPath, { force: true })));
      }
    }

    // New tickets are filed by clients; staff write on existing tickets.
    if (actor.role !== 'CLIENT') return recordOnly(log, 'IGNORED', 'staff-without-ticket');
    const { uploads, refused } = await prepareAttachments(mail);
    const t = translator(languageFromDb(user.locale) ?? defaultLanguage);
    try {
      const number = await tickets.create(
        actor,
        {
          subject: subject || t('tickets.inbound.noSubject'),
          description: withRefusalNote(text || t('tickets.inbound.noText'), refused, user.locale),
          categoryId: null,
          priority: 'MEDIUM',
          requesterId: null,
          channel: 'EMAIL',
        },
        uploads,
        {
          channel: 'EMAIL',
          inTransaction: async (tx: Tx, ticket) => {
            await tx.inboundEmail.create({
              data: logRow(log, 'TICKET_CREATED', refusalReason(refused), { ticketId: ticket.id }),
            });
          },
        },
      );
      return { status: 'TICKET_CREATED', reason: refusalReason(refused), ticketNumber: number, duplicate: false };
    } catch (error) {
      if (isDuplicateKey(error)) return { status: 'IGNORED', reason: 'duplicate', ticketNumber: null, duplicate: true };
      throw error;
    } finally {
      await Promise.all(uploads.map((upload) => rm(upload.tempPath, { force: true })));
    }
  }

  return {
    /**
     * Processes one raw message. Resolves once the outcome is recorded (then the poller may mark
     * it \Seen); throws when nothing could be recorded, so the message is tried again next poll.
     */
    async processMessage(raw: Buffer): Promise<InboundOutcome> {
      try {
        return await handle(raw);
      } catch (error) {
        if (error instanceof AppError && error.code === 'STALE') throw error;
        // A message that fails for good is recorded as FAILED, so it does not fail on every poll.
        ctx.logger.error({ err: error }, 'inbound e-mail failed');
        let mail: ParsedMail | null = null;
        try {
          mail = await simpleParser(raw, { skipImageLinks: true });
        } catch {}
        const log: Log = {
          messageId: messageIdOf(mail, raw),
          fromAddress: (mail?.from?.value[0]?.address ?? '').toLowerCase(),
          subject: cleanLine(mail?.subject ?? '', SUBJECT_MAX),
        };
        const reason = error instanceof Error ? error.message : String(error);
        return recordOnly(log, 'FAILED', reason);
      }
    },
  };
}

export type InboundService = ReturnType<typeof createInboundService>;
