import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../generated/prisma/enums.js';
import { AppError } from '../lib/errors.js';

export function requireAuth(req: Request, res: Response, next: NextFunction): void {
  if (req.user) {
    next();
    return;
  }
  if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
    const target = req.originalUrl.startsWith('/') && !req.originalUrl.startsWith('//') ? req.originalUrl : '/';
    res.redirect(`/login?next=${encodeURIComponent(target)}`);
    return;
  }
  next(new AppError('UNAUTHENTICATED', 'errors.unauthenticated'));
}

/** Signed in with one of these roles, or 403. */
export function requireRole(...roles: Role[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    requireAuth(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      if (req.user && roles.includes(req.user.role)) {
        next();
        return;
      }
      next(new AppError('FORBIDDEN', 'errors.forbidden'));
    });
  };
}
