// Renders one notification e-mail (HTML and plain text) in the recipient's language, with the
// strings of locales/<lng>/emails.json and the templates in views/emails/.
import ejs from 'ejs';
import { defaultLanguage, type Language, languageFromDb, translator } from '../lib/i18n.js';
import { projectPath } from '../lib/paths.js';
import { formatTicketNumber } from '../tickets/ticket-number.js';
import type { EmailKind, NotificationContent } from './recipients.js';

export type RenderedEmail = { subject: string; text: string; html: string };

/** Kinds that end with what the recipient should do next. */
const withAction = new Set<EmailKind>(['resolved', 'onHold']);

export async function renderEmail(options: {
  kind: EmailKind;
  content: NotificationContent;
  recipient: { name: string; locale: string | null };
  baseUrl: string;
  helpdesk: string;
  /** Incoming e-mail is configured (IMAP_URL), so replies reach the ticket. */
  replyable?: boolean;
  /** Keep the compiled templates (production): a batch renders hundreds of e-mails. */
  cache?: boolean;
}): Promise<RenderedEmail> {
  const { kind, content, recipient } = options;
  const lang: Language = languageFromDb(recipient.locale) ?? defaultLanguage;
  const t = translator(lang);
  const ticketLabel = content.ticket ? formatTicketNumber(content.ticket.number) : null;
  const kindSubject = t(`emails.kinds.${kind}.subject`, { subject: content.ticket?.subject ?? '' });
  const subject = (ticketLabel ? `[${ticketLabel}] ${kindSubject}` : kindSubject).slice(0, 300);
  const base = options.baseUrl.replace(/\/+$/, '');
  const link = content.link ?? (ticketLabel ? `${base}/tickets/${ticketLabel}` : null);
  // A kind may name its own button and footer (account e-mails); ticket e-mails share these.
  const own = (key: string, fallback: string) => {
    const value = t(`emails.kinds.${kind}.${key}`, { ticket: ticketLabel, helpdesk: options.helpdesk });
    return value === `emails.kinds.${kind}.${key}`
      ? t(fallback, { ticket: ticketLabel, helpdesk: options.helpdesk })
      : value;
  };
  const data = {
    t,
    lang,
    kind,
    subject,
    name: recipient.name,
    ticketLabel,
    quote: content.quote,
    action: withAction.has(kind) ? t(`emails.kinds.${kind}.action`) : null,
    link,
    linkLabel: own('linkLabel', 'emails.viewTicket'),
    // With incoming e-mail on, a reply to a ticket e-mail becomes a comment: say so.
    footer: own('footer', options.replyable ? 'emails.footerReplyable' : 'emails.footer'),
    helpdesk: options.helpdesk,
  };
  const [html, text] = await Promise.all([
    ejs.renderFile(projectPath('views', 'emails', 'notification.ejs'), data, { async: false, cache: options.cache }),
    ejs.renderFile(projectPath('views', 'emails', 'notification.text.ejs'), data, {
      async: false,
      cache: options.cache,
    }),
  ]);
  return { subject, html, text };
}
