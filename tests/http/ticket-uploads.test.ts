// Attachments over HTTP: what is refused (with an inline message, storing nothing at all) and
// what is accepted (stored under a random key, downloaded as an attachment with the exact bytes).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { numberFromLocation, ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let uploadDir: string;
let client: Agent;
let support: Agent;

// ---- Files -------------------------------------------------------------------------------------

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A valid width×1 RGB PNG; `seed` varies the pixels so every file has its own digest. */
function png(seed = 0, width = 1): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(1, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let i = 1; i < row.length; i++) row[i] = (seed * 31 + i * 7) & 0xff;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(row)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const pdf = () =>
  Buffer.from(
    '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
      'trailer\n<< /Root 1 0 R >>\n%%EOF\n',
    'latin1',
  );
/** The start of a Windows program: the DOS header ("MZ", then binary fields full of NUL bytes) and its stub. */
const exe = () =>
  Buffer.concat([
    Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00]),
    Buffer.alloc(112, 0),
    Buffer.from('This program cannot be run in DOS mode.\r\r\n$', 'latin1'),
  ]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

type Upload = { bytes: Buffer; name: string; contentType?: string };

/** Every file under a directory, recursively (the store's shards and its tmp/). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full)));
    else found.push(path.relative(uploadDir, full));
  }
  return found;
}

/** Adds files the way a browser does; names keep any "../" (form-data would otherwise strip it). */
function attachAll<R extends { attach(field: string, file: Buffer, options: object): R }>(req: R, files: Upload[]): R {
  let out = req;
  for (const file of files) {
    out = out.attach('attachments', file.bytes, {
      filepath: file.name,
      contentType: file.contentType ?? 'application/octet-stream',
    });
  }
  return out;
}

async function postTicket(agent: Agent, fields: { subject: string; description: string }, files: Upload[]) {
  const token = await csrfFrom(agent, '/tickets/new');
  const req = agent
    .post('/tickets')
    .field('_csrf', token)
    .field('subject', fields.subject)
    .field('description', fields.description);
  return attachAll(req, files);
}

async function postComment(agent: Agent, number: number, body: string, files: Upload[]) {
  const token = await csrfFrom(agent, ticketPath(number));
  const req = agent
    .post(`${ticketPath(number)}/comments`)
    .field('_csrf', token)
    .field('body', body);
  return attachAll(req, files);
}

async function download(agent: Agent, id: number) {
  return agent
    .get(`/attachments/${id}`)
    .buffer(true)
    .parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });
}

async function counts() {
  const prisma = t.db.prisma;
  return {
    tickets: await prisma.ticket.count(),
    attachments: await prisma.attachment.count(),
    comments: await prisma.comment.count(),
  };
}

// ---- The refused cases -------------------------------------------------------------------------

const tooBig = Buffer.alloc(1024 * 1024 + 10, 0x41);
const refused: { name: string; files: () => Upload[]; message: RegExp }[] = [
  {
    name: 'a file over 1 MB',
    files: () => [{ bytes: tooBig, name: 'grande.txt', contentType: 'text/plain' }],
    message: /Un archivo supera el máximo de 1 MB\./,
  },
  {
    name: 'three files (the limit is two)',
    files: () => [
      { bytes: png(1), name: 'uno.png', contentType: 'image/png' },
      { bytes: png(2), name: 'dos.png', contentType: 'image/png' },
      { bytes: png(3), name: 'tres.png', contentType: 'image/png' },
    ],
    message: /Puede adjuntar hasta 2 archivos\./,
  },
  {
    name: 'an executable',
    files: () => [{ bytes: exe(), name: 'setup.exe', contentType: 'application/x-msdownload' }],
    message: /No se admite el tipo de «setup\.exe»/,
  },
  {
    name: 'an executable renamed .png',
    files: () => [{ bytes: exe(), name: 'photo.png', contentType: 'image/png' }],
    message: /No se admite el tipo de «photo\.png»/,
  },
  {
    name: 'an executable renamed .txt',
    files: () => [{ bytes: exe(), name: 'leame.txt', contentType: 'text/plain' }],
    message: /No se admite el tipo de «leame\.txt»/,
  },
  {
    name: 'an HTML file',
    files: () => [
      {
        bytes: Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'),
        name: 'pagina.html',
        contentType: 'text/html',
      },
    ],
    message: /No se admite el tipo de «pagina\.html»/,
  },
  {
    name: 'HTML inside a .txt',
    files: () => [
      {
        bytes: Buffer.from('Hola\n<html><body><script>alert(document.cookie)</script></body></html>\n'),
        name: 'notas.txt',
        contentType: 'text/plain',
      },
    ],
    message: /No se admite el tipo de «notas\.txt»/,
  },
  {
    name: 'an HTML fragment (no <html> tag) inside a .txt',
    files: () => [
      {
        bytes: Buffer.from('registro de la cámara\n<img src=x onerror="alert(1)"><b>hola</b>\n'),
        name: 'registro.txt',
        contentType: 'text/plain',
      },
    ],
    message: /No se admite el tipo de «registro\.txt»/,
  },
  {
    name: 'an SVG',
    files: () => [
      {
        bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'),
        name: 'logo.svg',
        contentType: 'image/svg+xml',
      },
    ],
    message: /No se admite el tipo de «logo\.svg»/,
  },
  {
    name: 'an SVG renamed .txt',
    files: () => [
      {
        bytes: Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        name: 'logo.txt',
        contentType: 'text/plain',
      },
    ],
    message: /No se admite el tipo de «logo\.txt»/,
  },
  {
    name: 'a name with "../" and a control character',
    files: () => [{ bytes: png(4), name: '../../etc/pa\u0007sswd.png', contentType: 'image/png' }],
    message: /El nombre de un archivo adjunto tiene caracteres no válidos\./,
  },
  {
    name: 'an empty file',
    files: () => [{ bytes: Buffer.alloc(0), name: 'vacio.txt', contentType: 'text/plain' }],
    message: /El archivo «vacio\.txt» está vacío\./,
  },
  {
    name: 'a good file next to a bad one (the whole form is refused)',
    files: () => [
      { bytes: png(5), name: 'buena.png', contentType: 'image/png' },
      { bytes: exe(), name: 'mala.png', contentType: 'image/png' },
    ],
    message: /No se admite el tipo de «mala\.png»/,
  },
];

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-uploads-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir, UPLOAD_MAX_MB: '1', UPLOAD_MAX_FILES: '2' });
  const clientUser = await createUser(t.db.prisma, { role: 'CLIENT', name: 'Ulises Usuario' });
  const supportUser = await createUser(t.db.prisma, { role: 'SUPPORT' });
  client = await loginAs(t.app, clientUser.email);
  support = await loginAs(t.app, supportUser.email);
});
afterAll(async () => {
  await t?.close();
  await rm(uploadDir, { recursive: true, force: true });
});

describe('a new ticket with a refused attachment', () => {
  for (const [index, example] of refused.entries()) {
    it(`${example.name}: 422 with the reason on the form, the typed text kept, nothing stored`, async () => {
      const before = await counts();
      const subject = `Adjunto rechazado ${index} — cámara`;
      const description = `Descripción escrita por el cliente (${index}), con acentos: ñandú.`;
      const res = await postTicket(client, { subject, description }, example.files());
      expect(res.status).toBe(422);
      expect(res.text).toMatch(example.message);
      expect(res.text).toContain('id="f-attachments-error"');
      expect(res.text).toContain(`value="${subject}"`);
      expect(res.text).toContain(description);
      expect(await counts()).toEqual(before);
      expect(await filesUnder(uploadDir)).toEqual([]);
    });
  }
});

describe('a comment with a refused attachment', () => {
  let number: number;
  beforeAll(async () => {
    const res = await postTicket(client, { subject: 'Para comentar', description: 'Ticket base.' }, []);
    expect(res.status).toBe(302);
    number = numberFromLocation(res.headers.location);
  });

  for (const [index, example] of refused.entries()) {
    it(`${example.name}: 422 on the ticket page, the reply kept, nothing stored`, async () => {
      const before = await counts();
      const body = `Respuesta con adjunto rechazado ${index}: sin señal.`;
      const res = await postComment(client, number, body, example.files());
      expect(res.status).toBe(422);
      expect(res.text).toMatch(example.message);
      expect(res.text).toContain('id="f-attachments-error"');
      expect(res.text).toContain(body);
      expect(await counts()).toEqual(before);
      expect(await filesUnder(uploadDir)).toEqual([]);
    });
  }

  it('staff notes obey the same rules', async () => {
    const before = await counts();
    const token = await csrfFrom(support, ticketPath(number));
    const res = await support
      .post(`${ticketPath(number)}/comments`)
      .field('_csrf', token)
      .field('body', 'Nota con un ejecutable')
      .field('internal', 'on')
      .attach('attachments', exe(), { filename: 'driver.png', contentType: 'image/png' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/No se admite el tipo de «driver\.png»/);
    expect(await counts()).toEqual(before);
    expect(await filesUnder(uploadDir)).toEqual([]);
  });
});

// ---- The accepted cases ------------------------------------------------------------------------

describe('accepted attachments', () => {
  const accepted: (Upload & { mime: RegExp; shown?: string })[] = [
    { bytes: png(10, 3), name: 'foto.png', contentType: 'image/png', mime: /^image\/png$/ },
    { bytes: pdf(), name: 'informe.pdf', contentType: 'application/pdf', mime: /^application\/pdf$/ },
    {
      bytes: Buffer.from('Cámara 3: sin señal desde las 02:00 ✓\nReinicio del NVR → sin cambios.\n', 'utf8'),
      name: 'registro.txt',
      contentType: 'text/plain',
      mime: /^text\/plain(; charset=utf-8)?$/,
    },
    { bytes: png(11, 2), name: 'cámara_depósito.png', contentType: 'image/png', mime: /^image\/png$/ },
    { bytes: pdf(), name: "l'acta (v2).pdf", contentType: 'application/pdf', mime: /^application\/pdf$/ },
    // Sent decomposed (as macOS does), shown and stored composed.
    { bytes: png(12), name: 'dise\u0301n\u0303o.png', contentType: 'image/png', mime: /^image\/png$/ },
    // Text whose first letters happen to be a binary signature ("BM" is a bitmap's) is still text.
    {
      bytes: Buffer.from('BM-01;Cámara del depósito;sin señal\nBM-02;Portón;ok\n', 'utf8'),
      name: 'equipos.csv',
      contentType: 'text/csv',
      mime: /^text\/csv(; charset=utf-8)?$/,
    },
    // Directories in the name are dropped: the name never becomes a path.
    {
      bytes: png(13),
      name: '../../etc/passwd.png',
      shown: 'passwd.png',
      contentType: 'image/png',
      mime: /^image\/png$/,
    },
  ];
  const shownName = (upload: Upload & { shown?: string }) => upload.shown ?? upload.name.normalize('NFC');
  let ticketNumbers: number[] = [];

  it('files them on new tickets and on comments (two per form)', async () => {
    ticketNumbers = [];
    for (let i = 0; i < 4; i += 2) {
      const res = await postTicket(
        client,
        { subject: `Con adjuntos ${i}`, description: 'Adjunto archivos válidos.' },
        accepted.slice(i, i + 2),
      );
      expect(res.status, res.text.slice(0, 500)).toBe(302);
      ticketNumbers.push(numberFromLocation(res.headers.location));
    }
    const last = ticketNumbers.at(-1) as number;
    for (let i = 4; i < accepted.length; i += 2) {
      const files = accepted.slice(i, i + 2);
      const body = `Agrego archivos (${i}).`;
      const res = await postComment(client, last, body, files);
      expect(res.status, res.text.slice(0, 500)).toBe(302);
      const comment = await t.db.prisma.comment.findFirstOrThrow({ where: { body } });
      const onComment = await t.db.prisma.attachment.findMany({ where: { commentId: comment.id } });
      expect(onComment.map((file) => file.originalName).sort()).toEqual(files.map(shownName).sort());
      expect(onComment.every((file) => !file.isInternal)).toBe(true);
    }
    expect(await t.db.prisma.attachment.count()).toBe(accepted.length);
  });

  it('shows each with its name on the ticket page', async () => {
    const pages = await Promise.all(ticketNumbers.map((n) => client.get(ticketPath(n))));
    const html = pages.map((page) => page.text).join('\n');
    const asHtml = (name: string) => name.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
    for (const upload of accepted) expect(html).toContain(asHtml(shownName(upload)));
  });

  it('stores each under a random key with its SHA-256, and downloads it safely with the exact bytes', async () => {
    for (const upload of accepted) {
      const name = shownName(upload);
      const row = await t.db.prisma.attachment.findFirstOrThrow({ where: { originalName: name } });
      expect(row.sha256).toBe(sha256(upload.bytes));
      expect(row.size).toBe(upload.bytes.length);
      expect(row.storageKey).toMatch(/^[a-f0-9]{2}\/[a-f0-9]{32}$/);
      const stem = path.parse(name).name.toLowerCase();
      expect(row.storageKey.toLowerCase()).not.toContain(stem.slice(0, 4));
      expect(await readFile(path.join(uploadDir, row.storageKey))).toEqual(upload.bytes);

      const res = await download(client, row.id);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(upload.mime);
      expect(row.mimeType).toMatch(/^(image\/png|application\/pdf|text\/plain|text\/csv)$/);
      const disposition = res.headers['content-disposition'] as string;
      expect(disposition).toMatch(/^attachment;/);
      const star = /filename\*=UTF-8''([^;\s]+)/.exec(disposition)?.[1];
      // RFC 8187: only attr-chars and %-escapes (no quote, parenthesis or asterisk left raw).
      expect(star).toMatch(/^(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})+$/);
      expect(decodeURIComponent(star as string)).toBe(name);
      const plain = /filename="([^"]*)"/.exec(disposition)?.[1];
      expect(plain).toMatch(/^[\x20-\x7e]+$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/sandbox/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(Buffer.compare(res.body as Buffer, upload.bytes)).toBe(0);
    }
    // Two identical PDFs under different names: two keys, nothing derived from the content either.
    const pdfs = await t.db.prisma.attachment.findMany({ where: { mimeType: 'application/pdf' } });
    expect(pdfs).toHaveLength(2);
    expect(pdfs[0]?.sha256).toBe(pdfs[1]?.sha256);
    expect(pdfs[0]?.storageKey).not.toBe(pdfs[1]?.storageKey);
    expect(pdfs.map((row) => row.storageKey).join()).not.toContain(pdfs[0]?.sha256.slice(0, 32));
  });

  it('leaves nothing behind in the temporary directory', async () => {
    const left = await filesUnder(uploadDir);
    expect(left.filter((file) => file.startsWith(`tmp${path.sep}`))).toEqual([]);
    expect(left).toHaveLength(accepted.length);
  });
});
