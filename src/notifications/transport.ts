// Where rendered e-mails go: an SMTP server (SMTP_URL), or, with none configured (the embedded
// default), nowhere — they are kept in the database for the admin to read at /admin/mail.
import nodemailer from 'nodemailer';
import type { Env } from '../config/env.js';

export type OutgoingEmail = { to: string; subject: string; text: string; html: string; messageId: string };

export type MailTransport =
  | { kind: 'keep' }
  | { kind: 'smtp'; send(message: OutgoingEmail): Promise<void>; close(): void };

/**
 * Connections kept open to the SMTP server, each carrying one message at a time: a relay that
 * takes 100 ms per message still passes 30 a second, and a crash re-sends at most this many
 * messages that were in flight (with their same Message-IDs).
 */
export const SMTP_CONNECTIONS = 3;

export function createMailTransport(env: Pick<Env, 'SMTP_URL' | 'MAIL_FROM'>): MailTransport {
  if (!env.SMTP_URL) return { kind: 'keep' };
  const transporter = nodemailer.createTransport({
    url: env.SMTP_URL,
    // Kept-open connections: a new SMTP session per message costs ~100 ms (greeting, EHLO, the
    // server's own checks) against 2–5 ms for a message on an open one.
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    maxMessages: 500,
    // A stuck server must not hold a claimed batch past its lease.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    kind: 'smtp',
    async send(message) {
      await transporter.sendMail({
        from: env.MAIL_FROM,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
      });
    },
    close: () => transporter.close(),
  };
}
