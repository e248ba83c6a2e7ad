import connectPgSimple from 'connect-pg-simple';
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
