// Bench-only preload for the app process (`node --import tsx --import ./bench/sql-counter.ts
// src/server.ts`): counts the SQL statements each HTTP request sends, without touching src/.
// Active only when BENCH_SQL_PORT is set; then it wraps pg's Client#query (every pg.Pool query
// goes through a pool client: Prisma's driver adapter, the session store, the login throttle),
// ties each statement to the request that caused it with AsyncLocalStorage, and answers on
// 127.0.0.1:BENCH_SQL_PORT:
//   GET /probe/<id>  the statements of the request sent with the header `x-bench-probe: <id>`;
//   GET /stats       totals since the last POST /reset: finished requests, their statements,
//                    5-second cache refreshes, statements outside any request (jobs, timers),
//                    and the peaks of process.memoryUsage() (sampled every 250 ms) over that time.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import http from 'node:http';
import pg from 'pg';
import { isCacheRefresh } from './query-log.js';

type Store = { statements: { text: string; values: unknown[] }[] };

const port = Number(process.env.BENCH_SQL_PORT);
if (port > 0) install(port);

function install(sidePort: number) {
  const als = new AsyncLocalStorage<Store>();
  const totals = { requests: 0, statements: 0, refreshes: 0, background: 0 };
  const probes = new Map<string, Store['statements']>();
  // Where the RSS goes (the bench reads VmRSS from outside): the V8 heap, or memory outside it
  // (Buffers, WebAssembly memories, native allocations).
  const memory = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, rss: 0 };
  const sampleMemory = () => {
    const now = process.memoryUsage();
    for (const key of Object.keys(memory) as (keyof typeof memory)[]) memory[key] = Math.max(memory[key], now[key]);
  };
  setInterval(sampleMemory, 250).unref();

  type QueryFn = (...args: unknown[]) => unknown;
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [config, values] = args;
    const text = typeof config === 'string' ? config : String((config as { text?: unknown } | undefined)?.text ?? '');
    const store = als.getStore();
    if (isCacheRefresh(text)) totals.refreshes++;
    else if (!store) totals.background++;
    else {
      const params = Array.isArray(values) ? values : ((config as { values?: unknown[] } | undefined)?.values ?? []);
      store.statements.push({ text, values: params });
    }
    return query.apply(this, args);
  };
  // A pool client handed over by a releasing request would otherwise run the waiting caller's
  // callback in the releaser's async context, and its statements would be counted there.
  const poolProto = pg.Pool.prototype as unknown as { connect: (cb?: unknown) => unknown };
  const connect = poolProto.connect;
  poolProto.connect = function (this: unknown, cb?: unknown) {
    return typeof cb === 'function'
      ? connect.call(this, AsyncResource.bind(cb as (...a: unknown[]) => unknown))
      : connect.call(this);
  };

  const emit = http.Server.prototype.emit as (this: http.Server, event: string, ...args: unknown[]) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event !== 'request') return emit.apply(this, [event, ...args]);
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    const store: Store = { statements: [] };
    const probe = req.headers['x-bench-probe'];
    res.once('finish', () => {
      // Counted when the request is over, so a run's figure covers whole requests only.
      totals.requests++;
      totals.statements += store.statements.length;
      if (typeof probe === 'string') probes.set(probe, store.statements);
    });
    return als.run(store, () => emit.apply(this, [event, ...args]));
  } as typeof http.Server.prototype.emit;

  const json = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const side = http.createServer((req, res) => {
    const url = req.url ?? '';
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && url === '/reset') {
      Object.assign(totals, { requests: 0, statements: 0, refreshes: 0, background: 0 });
      Object.assign(memory, { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, rss: 0 });
      sampleMemory();
      probes.clear();
      return res.end('{}');
    }
    if (url === '/stats') {
      sampleMemory();
      return res.end(json({ ...totals, memory }));
    }
    const id = /^\/probe\/([\w-]+)$/.exec(url)?.[1];
    const statements = id ? probes.get(id) : undefined;
    if (!statements) {
      res.statusCode = 404;
      return res.end('{}');
    }
    probes.delete(id as string);
    res.end(json(statements));
  });
  // The side channel must never keep the app alive on its own. A process the app forks (the
  // migrations' at start) inherits this preload: the port is the app's, so that one goes without.
  side.on('error', () => {});
  side.listen(sidePort, '127.0.0.1').unref();
}
