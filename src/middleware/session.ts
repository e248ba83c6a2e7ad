import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import type { SessionUser } from '../auth/session-user.js';
import type { AppContext } from '../context.js';
import { UNREAD_CAP } from '../notifications/inapp.service.js';

export const sessionCookieName = 'centinela.sid';

/** A signed-in user as read together with the session (null: the session names nobody, or no row). */
export type SessionUserRow = SessionUser & { isActive: boolean };

// The bell's count rides on the same statement (capped like InAppNotifications.unreadCount()).
const unreadColumn = `CASE WHEN u."id" IS NULL THEN 0 ELSE (SELECT count(*)::int FROM (
    SELECT 1 FROM "Notification" n WHERE n."userId" = u."id" AND n."readAt" IS NULL LIMIT ${UNREAD_CAP}) unread) END AS "unreadCount"`;

/** A session is re-stamped in the database at most this often (the cookie rolls on every response). */
const TOUCH_EVERY_MS = 60_000;
const MAX_REMEMBERED = 10_000;

const userColumns = `u."id", u."email", u."name", u."role"::text AS "role", u."locale"::text AS "locale",
  u."timeZone", u."organizationId", u."isOrgManager", u."isDemo", u."sessionEpoch", u."isActive"`;

/**
 * connect-pg-simple, with two changes that take statements off every page:
 * - the session, its user and the user's unread notification count are read in ONE statement (a
 *   join on the id the session names), and the user is handed to passport's deserializer, which
 *   no longer queries the database;
 * - an unchanged session's expiry is written at most once a minute per process, not on every
 *   request (the 8-hour rolling lifetime loses at most a minute).
 */
function createSessionStore(ctx: AppContext) {
  const PgStore = connectPgSimple(session);
  const users = new Map<string, SessionUserRow | null>();
  const touched = new Map<string, number>();
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    if (map.size >= MAX_REMEMBERED) map.clear();
    map.set(key, value);
  };

  class SessionStore extends PgStore {
    override get(sid: string, fn: (error: unknown, sess?: session.SessionData | null) => void): void {
      const sql = `SELECT s."sess", ${userColumns}, ${unreadColumn}
        FROM "session" s
        LEFT JOIN "User" u ON u."id" = CASE WHEN s."sess" #>> '{passport,user,id}' ~ '^[0-9]{1,9}$'
                                            THEN (s."sess" #>> '{passport,user,id}')::int END
        WHERE s."sid" = $1 AND s."expire" >= to_timestamp($2)`;
      const values = [sid, Math.ceil(Date.now() / 1000)];
      // Prepared once per connection on a server (its plan is reused: parsing and planning were
      // most of this statement's time); PGlite's single session gets it unnamed.
      const query = ctx.db.isEmbedded ? { text: sql, values } : { name: 'session-with-user', text: sql, values };
      ctx.db.pool.query(query).then(
        (result) => {
          const row = result.rows[0] as (Record<string, unknown> & { sess: unknown }) | undefined;
          if (!row) return fn(null, null);
          const { sess, ...user } = row;
          remember(users, sid, user.id === null ? null : (user as unknown as SessionUserRow));
          fn(null, (typeof sess === 'string' ? JSON.parse(sess) : sess) as session.SessionData);
        },
        (error) => fn(error),
      );
    }

    override touch(sid: string, sess: session.SessionData, fn?: (error?: unknown) => void): void {
      const last = touched.get(sid);
      if (last !== undefined && Date.now() - last < TOUCH_EVERY_MS) {
        fn?.();
        return;
      }
      remember(touched, sid, Date.now());
      super.touch(sid, sess, fn);
    }

    /** The user read with this request's session, once (then forgotten). */
    takeUser(sid: string): SessionUserRow | null | undefined {
      const user = users.get(sid);
      users.delete(sid);
      return user;
    }
  }

  return new SessionStore({
    pool: ctx.db.pool,
    tableName: 'session',
    createTableIfMissing: false,
    // Pruning runs on a timer; tests and short-lived processes turn it off via close().
    pruneSessionInterval: 15 * 60,
    errorLog: (...args: unknown[]) => ctx.logger.error({ args }, 'session store error'),
  });
}

export type SessionStore = ReturnType<typeof createSessionStore>;

/** Sessions live in PostgreSQL (table `session`), so any app process can serve any request. */
export function sessionMiddleware(ctx: AppContext) {
  const isHttps = ctx.env.BASE_URL?.startsWith('https:') ?? false;
  const store = createSessionStore(ctx);
  const middleware = session({
    name: sessionCookieName,
    secret: ctx.sessionSecret,
    store,
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
  return Object.assign(middleware, { store });
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
