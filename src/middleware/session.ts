import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import type { AppContext } from '../context.js';

export const sessionCookieName = 'centinela.sid';

/** Sessions live in PostgreSQL (table `session`), so any app process can serve any request. */
export function sessionMiddleware(ctx: AppContext) {
  const PgStore = connectPgSimple(session);
  const isHttps = ctx.env.BASE_URL?.startsWith('https:') ?? false;
  return session({
    name: sessionCookieName,
    secret: ctx.sessionSecret,
    store: new PgStore({
      pool: ctx.db.pool,
      tableName: 'session',
      createTableIfMissing: false,
      // Pruning runs on a timer; tests and short-lived processes turn it off via close().
      pruneSessionInterval: 15 * 60,
      errorLog: (...args: unknown[]) => ctx.logger.error({ args }, 'session store error'),
    }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: Boolean(ctx.env.TRUST_PROXY),
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: isHttps ? true : 'auto',
      maxAge: 8 * 60 * 60 * 1000,
    },
  });
}

/**
 * express-session saves a changed session while it is already sending the response, so a browser
 * can follow a redirect before the save lands and load the old session (a flash message or a
 * just-written value missing). Redirects wait for the save.
 */
export function saveSessionBeforeRedirect(req: Request, res: Response, next: NextFunction): void {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    // Nothing worth storing (an anonymous visitor being sent to the login page): no save, no row.
    const hasData = req.session && Object.keys(req.session).some((key) => key !== 'cookie');
    if (!hasData) return redirect(...args);
    req.session.save((error: unknown) => {
      if (error) return next(error);
      redirect(...args);
    });
  }) as Response['redirect'];
  next();
}
