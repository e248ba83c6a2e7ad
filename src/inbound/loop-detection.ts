// Mail no person wrote: auto-replies, bulk mail and bounces. Answering any of them is how two
// robots end up mailing each other forever, so they are recorded and never answered.
import type { ParsedMail } from 'mailparser';

export type MachineMail = 'auto-reply' | 'bulk' | 'bounce';

const headerText = (mail: ParsedMail, name: string): string => {
  const value = mail.headers.get(name);
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  // Structured headers (Content-Type) come parsed as { value, params }.
  if (typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  // Address headers (Return-Path) come parsed as { value: [...], text }.
  if (typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text;
  return String(value);
};

/** Local parts that only ever send delivery reports. */
const bounceSenders = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$/i;

export function machineMailKind(mail: ParsedMail, fromAddress: string | null): MachineMail | null {
  const localPart = fromAddress?.split('@')[0] ?? '';
  const contentType = mail.headers.get('content-type');
  const reportType =
    contentType && typeof contentType === 'object' && 'params' in contentType
      ? String((contentType.params as Record<string, string>)['report-type'] ?? '')
      : '';
  if (
    bounceSenders.test(localPart) ||
    (headerText(mail, 'content-type').toLowerCase() === 'multipart/report' && /delivery-status/i.test(reportType)) ||
    // An empty envelope sender is what RFC 5321 prescribes for delivery reports.
    (mail.headers.has('return-path') && headerText(mail, 'return-path').replace(/[\s<>]/g, '') === '')
  ) {
    return 'bounce';
  }
  // RFC 3834: anything but "no" is a machine's message.
  const autoSubmitted = headerText(mail, 'auto-submitted').trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return 'auto-reply';
  if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond') || mail.headers.has('x-autoresponse')) {
    return 'auto-reply';
  }
  if (/^(bulk|junk|list|auto_reply)$/i.test(headerText(mail, 'precedence').trim())) return 'bulk';
  return null;
}
