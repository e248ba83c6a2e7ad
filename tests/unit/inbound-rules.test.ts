// The pure parts of incoming e-mail: which messages a machine wrote, which Message-IDs are ours.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { imapOptionsFromUrl } from '../../src/inbound/imap-poller.js';
import { machineMailKind } from '../../src/inbound/loop-detection.js';
import { stripQuotedReply } from '../../src/inbound/reply-text.js';
import { outboxIdsIn } from '../../src/inbound/threading.js';

const mail = (headers: string, body = 'Hello.') =>
  simpleParser(Buffer.from(`From: someone@example.test\r\nSubject: x\r\n${headers}\r\n${body}\r\n`));

describe('mail no person wrote', () => {
  it.each([
    ['Auto-Submitted: auto-replied\r\n', 'auto-reply'],
    ['Auto-Submitted: auto-generated\r\n', 'auto-reply'],
    ['X-Autoreply: yes\r\n', 'auto-reply'],
    ['X-Autorespond: on vacation\r\n', 'auto-reply'],
    ['Precedence: bulk\r\n', 'bulk'],
    ['Precedence: junk\r\n', 'bulk'],
    ['Return-Path: <>\r\n', 'bounce'],
    ['Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n', 'bounce'],
  ])('%s is %s', async (headers, kind) => {
    expect(machineMailKind(await mail(headers), 'someone@example.test')).toBe(kind);
  });

  it('a mailer-daemon or postmaster sender is a bounce whatever its headers', async () => {
    const parsed = await mail('');
    expect(machineMailKind(parsed, 'MAILER-DAEMON@mx.example.test')).toBe('bounce');
    expect(machineMailKind(parsed, 'postmaster@mx.example.test')).toBe('bounce');
  });

  it('a person\'s mail, including "Auto-Submitted: no", is not', async () => {
    expect(machineMailKind(await mail(''), 'someone@example.test')).toBeNull();
    expect(machineMailKind(await mail('Auto-Submitted: no\r\n'), 'someone@example.test')).toBeNull();
    expect(machineMailKind(await mail('Return-Path: <someone@example.test>\r\n'), 'someone@example.test')).toBeNull();
  });
});

describe('our Message-IDs', () => {
  it('are recognised only with our host', () => {
    const ids = ['<outbox-12-3@help.example.test>', '<outbox-13-3@evil.example.test>', '<CAF=x@mail.gmail.com>'];
    expect(outboxIdsIn(ids, 'https://help.example.test')).toEqual([12n]);
  });
});

describe('IMAP_URL', () => {
  it('gives host, port, TLS and the decoded credentials', () => {
    expect(imapOptionsFromUrl('imaps://desk%40example.com:p%3Ass@imap.example.com')).toEqual({
      host: 'imap.example.com',
      port: 993,
      secure: true,
      auth: { user: 'desk@example.com', pass: 'p:ss' },
    });
    expect(imapOptionsFromUrl('imap://u:p@127.0.0.1').port).toBe(143);
  });
});

describe('the new part of a reply', () => {
  it.each([
    [
      'Gmail (en)',
      'Camera 7.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Centinela <no-reply@x.test> wrote:\n> Hello Ana,\n> Waiting for you.',
    ],
    ['Gmail (es)', 'Camera 7.\n\nEl mar, 1 dic 2026 a las 10:00, Centinela (<no-reply@x.test>) escribió:\n> Hola Ana,'],
    [
      'Gmail, attribution on two lines',
      'Camera 7.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Centinela <no-reply@x.test>\nwrote:\n> Hello',
    ],
    [
      'Outlook',
      'Camera 7.\n\nFrom: Centinela <no-reply@x.test>\nSent: Tuesday, December 1, 2026 10:00\nTo: Ana\nSubject: [TKT-5]',
    ],
    ['a separator', 'Camera 7.\n-----Original Message-----\nFrom: Centinela'],
    ['a bare quote', 'Camera 7.\n> Hello Ana,\n> Waiting for you.'],
  ])('%s keeps only what was written', (_name, text) => {
    expect(stripQuotedReply(text)).toBe('Camera 7.');
  });

  it('keeps everything when nothing but the quote would be left, and leaves a plain text alone', () => {
    expect(stripQuotedReply('> only a quote')).toBe('> only a quote');
    expect(stripQuotedReply('Line one.\n\nLine two: from here on.')).toBe('Line one.\n\nLine two: from here on.');
    expect(stripQuotedReply('On the screen it wrote:\nERROR')).toBe('On the screen it wrote:\nERROR');
  });
});
