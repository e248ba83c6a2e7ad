import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors.js';

// Synchronizer token kept in the (PostgreSQL) session; forms send it as `_csrf`,
// scripts as the `x-csrf-token` header.
const { csrfSynchronisedProtection, generateToken } = csrfSync({
  size: 32,
  getTokenFromRequest: (req) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const header = req.headers['x-csrf-token'];
    return typeof header === 'string' ? header : undefined;
  },
});

export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  csrfSynchronisedProtection(req, res, (error?: unknown) => {
    if (error) return next(new AppError('CSRF', 'errors.csrf'));
    next();
  });
}

export function csrfToken(req: Request): string {
  return generateToken(req);
}
