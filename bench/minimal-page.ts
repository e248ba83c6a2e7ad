// The yardstick of `npm run bench`: the least a page of this stack can do, served by its own
// process in production mode. Express 5 + express-session with connect-pg-simple on the same
// database (same settings as the app: rolling, 8 h) + one indexed `LIMIT 50` query + an EJS
// template (cached, as in production) rendering the 50 rows. Pages are measured as a share of
// this page's throughput in the same run, because absolute times on a shared machine swing with
// its load while ratios hold.
//
// Environment: BENCH_MINIMAL_DATABASE_URL, PORT. POST /login starts a session (the bench's
// clients send its cookie); GET / without one answers 401.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import connectPgSimple from 'connect-pg-simple';
import express from 'express';
import session from 'express-session';
import pg from 'pg';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
  }
}

const url = process.env.BENCH_MINIMAL_DATABASE_URL;
if (!url) {
  console.error('BENCH_MINIMAL_DATABASE_URL is required');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 10 });
const app = express();
app.set('env', 'production');
app.set('view engine', 'ejs');
app.set('views', path.join(import.meta.dirname, 'views'));
app.set('view cache', true);
app.set('x-powered-by', false);
const PgStore = connectPgSimple(session);
app.use(
  session({
    name: 'minimal.sid',
    secret: randomBytes(32).toString('hex'),
    store: new PgStore({ pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: false }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 8 * 60 * 60 * 1000 },
  }),
);
app.post('/login', (req, res, next) => {
  req.session.userId = 1;
  req.session.save((error) => (error ? next(error) : res.status(204).end()));
});
app.get('/', async (req, res) => {
  if (!req.session.userId) return res.status(401).end();
  const { rows } = await pool.query(
    `SELECT "number", "subject", "status", "priority", "createdAt" FROM "Ticket"
     ORDER BY "createdAt" DESC, "id" DESC LIMIT 50`,
  );
  res.render('minimal', { rows });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`minimal page listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});
const stop = () => server.close(() => void pool.end().finally(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
