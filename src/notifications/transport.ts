// Where rendered e-mails go: an SMTP server (SMTP_URL), or, with none configured (the embedded
// default), nowhere — they are kept in the database for the admin to read at /admin/mail.
import nodemailer from 'nodemailer';
import type { Env } from '../config/env.js';

export type OutgoingEmail = { to: string; subject: string; text: string; html: string; messageId: string };

export type MailTransport =
  | { kind: 'keep' }
  | { kind: 'smtp'; send(message: OutgoingEmail): Promise<void>; close(): void };

export function createMailTransport(env: Pick<Env, 'SMTP_URL' | 'MAIL_FROM'>): MailTransport {
  if (!env.SMTP_URL) return { kind: 'keep' };
  const transporter = nodemailer.createTransport({
    url: env.SMTP_URL,
    // One kept-open connection: a new SMTP session per message costs ~100 ms (greeting, EHLO,
    // the server's own checks) against 2–5 ms for a message on an open one.
    pool: true,
    maxConnections: 1,
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
