// Multipart forms with attachments: multer writes to a temporary directory; nothing reaches the
// store or the database until the whole form is valid (see tickets.service.ts).
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { AppError, validationError } from '../lib/errors.js';
import { inspectUpload } from './inspect.js';

export type UploadLimits = { maxBytes: number; maxFiles: number };
export type PreparedUpload = { tempPath: string; originalName: string; mimeType: string };

/** Browsers send UTF-8 file names that busboy reads as Latin-1; undo that when it was so. */
function decodeFileName(name: string): string {
  const utf8 = Buffer.from(name, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? name : utf8;
}

export function uploadMiddleware(tempDir: string, limits: UploadLimits) {
  mkdirSync(tempDir, { recursive: true });
  const parse = multer({
    storage: multer.diskStorage({
      destination: tempDir,
      filename: (_req, _file, done) => done(null, randomBytes(16).toString('hex')),
    }),
    limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 50, fieldSize: 200 * 1024, parts: 60 },
  }).array('attachments', limits.maxFiles);

  return (req: Request, res: Response, next: NextFunction) => {
    req.invalidUtf8Fields = new Set();
    // Whatever happens, temporary files do not outlive the request.
    res.on('close', () => {
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      for (const file of files) void rm(file.path, { force: true });
    });
    parse(req, res, (error?: unknown) => {
      if (!error) {
        for (const file of (req.files as Express.Multer.File[] | undefined) ?? []) {
          file.originalname = decodeFileName(file.originalname);
        }
        return next();
      }
      if (error instanceof multer.MulterError) {
        const maxMb = Math.round((limits.maxBytes / 1024 / 1024) * 10) / 10;
        const key =
          error.code === 'LIMIT_FILE_SIZE'
            ? { key: 'validation.fileTooBig', params: { max: maxMb } }
            : error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE'
              ? { key: 'validation.tooManyFiles', params: { max: limits.maxFiles } }
              : { key: 'validation.uploadFailed' };
        return next(validationError({ attachments: key }));
      }
      if (error instanceof AppError) return next(error);
      // busboy refuses a part whose header it cannot read; in a browser's form that is a file name
      // with control characters. Say so next to the file field rather than "bad request".
      if (error instanceof Error && /malformed part header/i.test(error.message)) {
        return next(validationError({ attachments: { key: 'validation.fileNameUnreadable' } }));
      }
      next(new AppError('VALIDATION', 'errors.badRequest'));
    });
  };
}

/**
 * Removes a request's temporary files now. Called before a refused form is answered, so nothing is
 * left once the answer arrives (the clean-up on 'close' above may run after the client has it).
 */
export async function discardUploads(req: Request): Promise<void> {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  await Promise.all(files.map((file) => rm(file.path, { force: true }).catch(() => {})));
}

/** Checks every uploaded file; one bad file refuses the whole form, naming it. */
export async function prepareUploads(files: Express.Multer.File[] | undefined): Promise<PreparedUpload[]> {
  const prepared: PreparedUpload[] = [];
  for (const file of files ?? []) {
    const inspection = await inspectUpload(file);
    if (!inspection.ok) {
      const key = { empty: 'validation.fileEmpty', type: 'validation.fileType', name: 'validation.fileName' }[
        inspection.reason
      ];
      const shownName = [...file.originalname].map((char) => (char < ' ' || char === '\u007F' ? '?' : char)).join('');
      throw validationError({ attachments: { key, params: { name: shownName.slice(0, 100) } } });
    }
    prepared.push({ tempPath: file.path, originalName: inspection.displayName, mimeType: inspection.mimeType });
  }
  return prepared;
}
