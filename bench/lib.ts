// Pieces shared by `npm run bench` (run.ts) and `npm run bench:load` (load.ts): the bench
// database, the app and the minimal page as their own processes, a cookie-keeping HTTP client
// that signs in through the real login form, form parsing, and figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { migrate } from '../src/bootstrap.js';
import { connectDatabase, type Database } from '../src/db/database.js';

export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}

export const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;

// ---- database -------------------------------------------------------------------------------

export type BenchDatabase = { db: Database; url: string; name: string; label: string; drop(): Promise<void> };

/** A new, migrated database on the server named by BENCH_DATABASE_URL/TEST_DATABASE_URL. */
export async function createBenchDatabase(prefix = 'centinela_bench'): Promise<BenchDatabase> {
  if (!serverUrl) {
    console.error(
      'Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server: the bench creates and drops its own database there (never DATABASE_URL).',
    );
    process.exit(2);
  }
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const version = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v;
  await admin.end();
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  // The schema engine releases its session-level advisory lock a moment after it returns (or
  // not at all while its connection stays in the pool), and the app process's own migration at
  // start-up waits for that lock: wait for the release, then end the migrator's pool, whose
  // connections take any remaining lock with them.
  const migrator = connectDatabase({ url, poolSize: 2 });
  await migrate(migrator, pino({ level: 'silent' }));
  for (let i = 0; i < 50; i++) {
    const held = await migrator.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    if (held.rows[0]?.n === 0) break;
    await sleep(200);
  }
  await sleep(500);
  await migrator.close();
  const db = connectDatabase({ url, poolSize: 10 });
  return {
    db,
    url,
    name,
    label: `PostgreSQL ${version} at ${target.host}, database ${name}`,
    async drop() {
      await db.close().catch(() => {});
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

// ---- processes ------------------------------------------------------------------------------

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type Proc = { name: string; child: ChildProcess; port: number; pid: number; stop(): Promise<void> };

const root = path.resolve(import.meta.dirname, '..');

/**
 * `node --import tsx [preloads] <script>` as its own process (so its RSS is its own), stdout to
 * nowhere (request logs, as in production they go to a collector), stderr passed through.
 * Resolves once `http://127.0.0.1:<port><readyPath>` answers.
 */
export async function startProcess(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  port: number;
  preload?: string[];
  /** Options for node itself before the script (`npm start`'s, see prepareApp). */
  nodeFlags?: string[];
  /** Environment `npm start` sets (see prepareApp); options.env wins. */
  nodeEnv?: Record<string, string>;
  readyPath?: string;
  /** false: plain node on compiled JavaScript (tsx's loader alone takes about 70 MiB). */
  tsx?: boolean;
}): Promise<Proc> {
  const args = [
    ...(options.nodeFlags ?? []),
    ...(options.tsx === false ? [] : ['--import', 'tsx']),
    ...(options.preload ?? []).flatMap((p) => ['--import', p]),
    options.script,
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.nodeEnv, ...options.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`${options.name} exited during start-up (code ${child.exitCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: options.port, path: options.readyPath ?? '/' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not answer within 120 s`);
    }
    await sleep(250);
  }
  return {
    name: options.name,
    child,
    port: options.port,
    pid: child.pid as number,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * node's own options in `npm start` (package.json: `node <options> dist/src/server.js`): the V8
 * flags that keep the app's memory down are part of how it runs in production, so the bench's app
 * runs with them too.
 */
/** `npm start`'s environment assignments and node options: `[NAME=value ...] node [options] dist/src/server.js`. */
export async function startScriptFlags(): Promise<{ env: Record<string, string>; flags: string[] }> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name, ...value] = (words.shift() as string).split('=');
    env[name as string] = value.join('=');
  }
  if (words[0] !== 'node' || words.at(-1) !== 'dist/src/server.js')
    throw new Error(
      `package.json's start script is not "[NAME=value] node [options] dist/src/server.js": ${pkg.scripts.start}`,
    );
  return { env, flags: words.slice(1, -1) };
}

/**
 * How the app process runs: BENCH_APP=dist (default) builds it as `npm run build` does and runs
 * `node <npm start's options> dist/src/server.js`, as `npm start` does in production;
 * BENCH_APP=tsx runs the sources through tsx (no build, but about 70 MiB more RSS). The SQL counter
 * preload is transpiled next to the build.
 */
export async function prepareApp(): Promise<{
  script: string;
  tsx: boolean;
  preload: string;
  nodeFlags: string[];
  /** `npm start`'s environment assignments (the allocator's setting). */
  nodeEnv: Record<string, string>;
  label: string;
}> {
  const { env: nodeEnv, flags: nodeFlags } = await startScriptFlags();
  if (process.env.BENCH_APP === 'tsx')
    return {
      script: 'src/server.ts',
      tsx: true,
      preload: './bench/sql-counter.ts',
      nodeFlags,
      nodeEnv,
      label: `tsx src/server.ts (node ${nodeFlags.join(' ')})`,
    };
  const t0 = performance.now();
  const tsc = spawn(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const code = await new Promise<number | null>((resolve) => tsc.once('exit', resolve));
  if (code !== 0) throw new Error('the build (tsc -p tsconfig.build.json) failed');
  const ts = (await import('typescript')).default;
  const outDir = path.join(root, 'dist', 'bench');
  await mkdir(outDir, { recursive: true });
  for (const name of ['sql-counter', 'query-log']) {
    const source = await readFile(path.join(root, 'bench', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(path.join(outDir, `${name}.js`), outputText);
  }
  return {
    script: 'dist/src/server.js',
    tsx: false,
    preload: './dist/bench/sql-counter.js',
    nodeFlags,
    nodeEnv,
    label: `${Object.entries(nodeEnv)
      .map(([k, v]) => `${k}=${v} `)
      .join(
        '',
      )}node ${nodeFlags.join(' ')} dist/src/server.js (built in ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  };
}

/** Resident set size of a process, bytes (0 once it is gone). */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `ms` until stopped; returns the peak. */
export function sampleRss(pid: number, ms = 250) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssOf(pid));
      return peak;
    },
    get peak() {
      return peak;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- HTTP client ----------------------------------------------------------------------------

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number };
export type Body = { type: 'form'; fields: Record<string, string> } | { type: 'multipart'; fields: [string, string][] };

function encode(body: Body): { headers: Record<string, string | number>; data: Buffer } {
  if (body.type === 'form') {
    const data = Buffer.from(new URLSearchParams(body.fields).toString());
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': data.length },
      data,
    };
  }
  const boundary = `----bench${randomBytes(12).toString('hex')}`;
  const parts = body.fields.map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const data = Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': data.length },
    data,
  };
}

/** One browser: its own keep-alive socket(s) and its own cookies. */
export function makeClient(port: number, maxSockets = 1) {
  // Idle sockets are closed by the client after 4 s, before the server's 5 s keep-alive timeout:
  // otherwise a socket can be reused just as the server closes it, and fail with ECONNRESET.
  const agent = new http.Agent({ keepAlive: true, maxSockets, timeout: 4_000 });
  const cookies = new Map<string, string>();
  function request(
    method: 'GET' | 'POST',
    pathname: string,
    body?: Body,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const encoded = body ? encode(body) : undefined;
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path: pathname,
          agent,
          timeout: 60_000,
          headers: { ...(cookie ? { cookie } : {}), ...(encoded?.headers ?? {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (data: Buffer) => chunks.push(data));
          res.on('end', () => {
            for (const c of res.headers['set-cookie'] ?? []) {
              const [pair] = c.split(';');
              const eq = (pair as string).indexOf('=');
              cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - t0,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${pathname}`)));
      req.on('error', reject);
      req.end(encoded?.data);
    });
  }
  return {
    request,
    cookieHeader: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    close: () => agent.destroy(),
  };
}

export type Client = ReturnType<typeof makeClient>;

/** Signs in through the login form (its CSRF token included) and checks the home page answers. */
export async function login(client: Client, email: string, password: string, home?: string) {
  const page = await client.request('GET', '/login');
  const csrf = hiddenField(page.body, '_csrf');
  if (page.status !== 200 || !csrf) throw new Error(`GET /login: status ${page.status}, no _csrf field`);
  const res = await client.request('POST', '/login', { type: 'form', fields: { email, password, _csrf: csrf } });
  if (res.status !== 302) throw new Error(`POST /login as ${email}: status ${res.status} (expected a redirect)`);
  if (home) {
    const check = await client.request('GET', home);
    if (check.status !== 200) throw new Error(`GET ${home} after login as ${email}: status ${check.status}`);
  }
}

// ---- HTML -----------------------------------------------------------------------------------

export const unescapeHtml = (text: string) =>
  text
    .replace(/&#x3D;/g, '=')
    .replace(/&#61;/g, '=')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** An attribute's value in a tag's source (`name="x"`), unescaped. */
const attr = (tag: string, name: string) => {
  const raw = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  return raw === undefined ? undefined : unescapeHtml(raw);
};

export function hiddenField(html: string, name: string): string | undefined {
  for (const m of html.matchAll(/<input\b[^>]*>/g)) {
    if (attr(m[0], 'name') === name) return attr(m[0], 'value');
  }
  return undefined;
}

export type Form = {
  action: string;
  multipart: boolean;
  hidden: Record<string, string>;
  /** Each select's options (non-empty values) and the selected one. */
  selects: Record<string, { options: string[]; selected?: string }>;
  /** Each textarea's current text. */
  textareas: Record<string, string>;
  checkboxes: string[];
  radios: Record<string, string[]>;
};

/** The page's POST forms, by action URL (what a browser would submit, parsed from the HTML). */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const open = m[1] as string;
    const inner = m[2] as string;
    if ((attr(` ${open}`, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const form: Form = {
      action: attr(` ${open}`, 'action') ?? '',
      multipart: /multipart\/form-data/.test(open),
      hidden: {},
      selects: {},
      textareas: {},
      checkboxes: [],
      radios: {},
    };
    for (const input of inner.matchAll(/<input\b[^>]*>/g)) {
      const tag = input[0];
      const name = attr(tag, 'name');
      if (!name) continue;
      const type = attr(tag, 'type') ?? 'text';
      if (type === 'hidden') form.hidden[name] = attr(tag, 'value') ?? '';
      else if (type === 'checkbox') form.checkboxes.push(name);
      else if (type === 'radio') form.radios[name] = [...(form.radios[name] ?? []), attr(tag, 'value') ?? ''];
    }
    for (const select of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
      const name = attr(` ${select[1]}`, 'name');
      if (!name) continue;
      const options: string[] = [];
      let selected: string | undefined;
      for (const option of (select[2] as string).matchAll(/<option\b([^>]*)>/g)) {
        const value = attr(` ${option[1]}`, 'value') ?? '';
        if (value !== '') options.push(value);
        if (/\sselected\b/.test(option[1] as string)) selected = value;
      }
      form.selects[name] = { options, selected };
    }
    for (const area of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
      const name = attr(` ${area[1]}`, 'name');
      if (name) form.textareas[name] = unescapeHtml(area[2] as string);
    }
    forms.push(form);
  }
  return forms;
}

/** Ticket numbers linked from a page, in order, without repeats. */
export const ticketLinks = (html: string) => [
  ...new Set([...html.matchAll(/href="\/tickets\/TKT-(\d+)"/g)].map((m) => Number(m[1]))),
];

/** The "next page" link of a list page, as a path. */
export function nextLink(html: string, pathname: string): string | undefined {
  const href = /href="(\?[^"]*)" rel="next"/.exec(html)?.[1];
  if (!href?.includes('after=')) return undefined;
  return `${pathname.split('?')[0]}${unescapeHtml(href)}`;
}

// ---- figures --------------------------------------------------------------------------------

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function printRows(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => `${'-'.repeat(w + 1)}${i === 0 ? '-' : ':'}`).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

export const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
export const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
export const machine = () =>
  `${os.cpus().length} CPU (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average ${loadAverage()}`;
