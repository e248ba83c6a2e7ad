import type { Request } from 'express';

export type FlashMessage = {
  type: 'success' | 'danger' | 'info' | 'warning';
  key: string;
  params?: Record<string, unknown>;
};

/** Queues a message (an i18n key) for the next page the user sees (Post/Redirect/Get). */
export function flash(req: Request, type: FlashMessage['type'], key: string, params?: Record<string, unknown>): void {
  if (!req.session) return;
  req.session.flash = [...(req.session.flash ?? []), { type, key, params }];
}

export function takeFlash(req: Request): FlashMessage[] {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}
