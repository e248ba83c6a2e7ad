// What may be attached: checked on the real content (magic bytes) and on the name's extension.
// Never executables, HTML or SVG; text must really be text.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileTypeFromFile } from 'file-type';

/** Extension → the content types whose bytes may carry it. `text` means "plain UTF-8 text". */
const allowed: Record<string, readonly string[]> = {
  jpg: ['image/jpeg'],
  jpeg: ['image/jpeg'],
  png: ['image/png'],
  gif: ['image/gif'],
  webp: ['image/webp'],
  heic: ['image/heic', 'image/heif'],
  pdf: ['application/pdf'],
  txt: ['text'],
  log: ['text'],
  csv: ['text'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  odt: ['application/vnd.oasis.opendocument.text'],
  ods: ['application/vnd.oasis.opendocument.spreadsheet'],
  doc: ['application/x-cfb'],
  xls: ['application/x-cfb'],
  zip: ['application/zip'],
  mp4: ['video/mp4'],
  mov: ['video/quicktime'],
};

export const allowedExtensions = Object.keys(allowed);

export type Inspection =
  | { ok: true; mimeType: string; displayName: string }
  | { ok: false; reason: 'empty' | 'type' | 'name' };

// Control characters, and bidirectional overrides that could disguise an extension ("gpj.exe").
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const controlChars = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** The name as shown to people: no directories, no control characters, at most 255 characters. */
export function displayNameOf(originalName: string): string | null {
  if (controlChars.test(originalName)) return null;
  const base = path.posix.basename(originalName.replace(/\\/g, '/')).normalize('NFC').trim();
  if (!base || base === '.' || base === '..') return null;
  return base.slice(-255);
}

/**
 * Markup a browser could render: the tags WHATWG MIME sniffing takes as HTML (a fragment such as
 * `<img onerror=…>` or `<b>` needs no `<html>`), plus SVG, XML and the other active elements.
 */
const markup =
  /<\s*(?:!doctype|!--|\?xml|(?:html|head|body|script|iframe|frame|frameset|object|embed|svg|math|style|link|meta|base|form|title|h1|div|font|table|img|a|b|br|p)(?=[\s/>]))/i;

async function looksLikeText(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const sample = buffer.subarray(0, bytesRead);
    if (sample.includes(0)) return false;
    const text = new TextDecoder('utf-8', { fatal: false }).decode(sample);
    // Markup is refused even inside .txt, so a browser can never be tricked into rendering it.
    return !markup.test(text);
  } finally {
    await handle.close();
  }
}

export async function inspectUpload(file: { path: string; originalname: string; size: number }): Promise<Inspection> {
  const displayName = displayNameOf(file.originalname);
  if (!displayName) return { ok: false, reason: 'name' };
  if (file.size === 0) return { ok: false, reason: 'empty' };
  const extension = path.extname(displayName).slice(1).toLowerCase();
  const accepted = allowed[extension];
  if (!accepted) return { ok: false, reason: 'type' };
  const detected = await fileTypeFromFile(file.path);
  if (detected && accepted.includes(detected.mime)) return { ok: true, mimeType: detected.mime, displayName };
  // Some signatures are plain letters ("BM" is a bitmap, "MZ" a program): a log or CSV may start
  // with them. Text is judged on the whole sample (a real binary has NUL bytes), never the first two.
  if (accepted.includes('text') && (await looksLikeText(file.path))) {
    return { ok: true, mimeType: extension === 'csv' ? 'text/csv' : 'text/plain', displayName };
  }
  return { ok: false, reason: 'type' };
}
