// Every error becomes a page (or JSON) here, and only here. Stack traces are logged, never shown.
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors.js';
import { flash } from '../lib/flash.js';
import { defaultLanguage, translator } from '../lib/i18n.js';

/** Lets a route say which form to re-render, with which extra data, if its input is refused. */
export type FormOnError = {
  view: string;
  /** Besides VALIDATION, the error codes that re-render this form (e.g. CONFLICT on a ticket page). */
  alsoFor?: string[];
  /** Extra locals for the view; a `values` it returns replaces the submitted ones. */
  load?: (req: Request, res: Response) => Promise<Record<string, unknown>> | Record<string, unknown>;
};

export function formView(view: string, load?: FormOnError['load'], alsoFor: string[] = []) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.locals.formOnError = { view, load, alsoFor } satisfies FormOnError;
    next();
  };
}

const secretFields = new Set(['password', 'currentPassword', 'newPassword', 'passwordConfirm', '_csrf', 'token']);

function submittedValues(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body).filter(([key]) => !secretFields.has(key)));
}

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
  next(new AppError('NOT_FOUND', 'errors.notFound'));
}

export async function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction) {
  const appError = toAppError(error);
  if (!appError) {
    req.log?.error({ err: error }, 'unhandled error');
  }
  const status = appError?.status ?? 500;
  if (res.headersSent) return;
  res.status(status);
  const t = req.t ?? translator(defaultLanguage);
  const message = t(appError?.messageKey ?? 'errors.internal', appError?.options.params ?? {});
  if (res.locals.t === undefined) res.locals.t = t;

  if (req.accepts(['html', 'json']) === 'json') {
    res.json({
      error: { code: appError?.code ?? 'INTERNAL', message, fieldErrors: appError?.fieldErrors ?? {} },
    });
    return;
  }

  const form = res.locals.formOnError as FormOnError | undefined;
  if (appError && form && (appError.code === 'VALIDATION' || form.alsoFor?.includes(appError.code))) {
    let extra: Record<string, unknown>;
    try {
      extra = (await form.load?.(req, res)) ?? {};
    } catch (loadError) {
      // The page to re-render is itself gone (e.g. no longer visible): answer with that error instead.
      res.locals.formOnError = undefined;
      return errorHandler(loadError, req, res, _next);
    }
    res.render(form.view, {
      values: submittedValues(req.body),
      ...extra,
      errors: appError.fieldErrors,
      formError: message,
    });
    return;
  }
  // A refused action (conflict) on a form goes back to the page it came from, with the reason.
  const back = sameOriginReferer(req);
  if ((appError?.code === 'CONFLICT' || appError?.code === 'STALE') && req.method === 'POST' && back && req.session) {
    flash(req, 'danger', appError.messageKey, appError.options.params);
    res.redirect(303, back);
    return;
  }
  if (appError?.code === 'UNAUTHENTICATED') {
    res.render('errors/error', { status, title: t('errors.unauthenticatedTitle'), message, showLogin: true });
    return;
  }
  const view = status === 404 ? 'errors/404' : status === 403 ? 'errors/403' : 'errors/error';
  const title = t(`errors.title${status}`, { defaultValue: t('errors.titleDefault') });
  res.render(view, { status, title, message }, (renderError: Error | null, html?: string) => {
    if (renderError) {
      req.log?.error({ err: renderError }, 'error page failed to render');
      res.type('text/plain').send(message);
      return;
    }
    res.send(html);
  });
}

function sameOriginReferer(req: Request): string | null {
  const referer = req.get('referer');
  if (!referer) return null;
  try {
    const url = new URL(referer);
    return url.host === req.get('host') ? `${url.pathname}${url.search}` : null;
  } catch {
    return null;
  }
}

function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  const status = (error as { status?: number; statusCode?: number })?.status;
  const type = (error as { type?: string })?.type;
  if (status === 404) return new AppError('NOT_FOUND', 'errors.notFound');
  // Too many form fields is the parser's other size limit (413), not a server fault.
  if (type === 'entity.too.large' || type === 'parameters.too.many') {
    return new AppError('VALIDATION', 'errors.bodyTooLarge');
  }
  if (type === 'entity.parse.failed' || status === 400) return new AppError('VALIDATION', 'errors.badRequest');
  return null;
}
