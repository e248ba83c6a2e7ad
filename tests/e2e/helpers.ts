// Shared browser-test setup: the real app on 127.0.0.1 (port 0) over a fresh database with demo data,
// Debian's Chromium through playwright-core, sign-in through the login form, and the checks every
// page must pass (no CSP violation, console error or failed request; no sideways scrolling; no
// serious/critical axe finding). Screenshots go to tests/e2e/screenshots/ (git-ignored).
//
// Needs Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot download
// browsers here. Without it the suites are skipped locally and fail in CI (CI is set).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { AppContext } from '../../src/context.js';
import { seedDemoData } from '../../src/demo/demo.service.js';
import { createLogger } from '../../src/lib/logger.js';
import type { LiveHub } from '../../src/notifications/live.js';
import { createServices } from '../../src/services.js';
import { SettingsService } from '../../src/settings/settings.service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const DEMO_PASSWORD = 'e2e demo password 1234';
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE_PATH = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
/** Not an app route: the browser context answers it with node_modules/axe-core/axe.min.js. */
const AXE_URL_PATH = '/__e2e__/axe.min.js';
export const NARROW = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

const inCi = Boolean(process.env.CI) && !['false', '0'].includes(String(process.env.CI).toLowerCase());
const hasChromium = existsSync(CHROMIUM_PATH);
/** True when the browser suites should be skipped (no Chromium, and not in CI). */
export const skipBrowser = !hasChromium && !inCi;
if (skipBrowser) {
  console.warn(`[e2e] Skipping browser tests: ${CHROMIUM_PATH} not found (install it with: apt-get install chromium).`);
}
/** A describe() title that says why it was skipped. */
export const suiteTitle = (title: string) => (skipBrowser ? `${title} (skipped: ${CHROMIUM_PATH} not found)` : title);

/** Everything a page reports that a strict CSP or a broken asset would cause. */
export type PageProblems = { console: string[]; csp: string[]; offsite: string[]; failed: string[] };

/** A browser context (its own cookies, in Spanish) with one page, watched for problems. */
export type Session = { context: BrowserContext; page: Page; problems: PageProblems; close(): Promise<void> };

export type E2e = {
  baseUrl: string;
  db: TestDatabase;
  /** The app's context, to act as another user through the services while a page is open. */
  ctx: AppContext;
  browser: Browser;
  /** A fresh context (no cookies, locale es-AR) whose only page is watched for problems. */
  newSession(options?: { viewport?: { width: number; height: number } }): Promise<Session>;
  /** newSession, run, close. */
  withPage(
    options: { viewport?: { width: number; height: number } },
    run: (page: Page, problems: PageProblems) => Promise<void>,
  ): Promise<void>;
  /** Signs in through the login form (from /login, or from wherever the page already is if that is /login). */
  signIn(page: Page, email: string): Promise<void>;
  close(): Promise<void>;
};

type AxeNode = { target: unknown[]; html: string; failureSummary?: string };
type AxeViolation = { id: string; impact: string | null; help: string; helpUrl: string; nodes: AxeNode[] };

/** Starts the app over a fresh database with the demo data, and Chromium. Call from beforeAll. */
export async function startE2e(): Promise<E2e> {
  if (!hasChromium) {
    throw new Error(`CI needs Chromium at ${CHROMIUM_PATH} (apt-get install chromium); it is missing.`);
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  const uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-e2e-uploads-'));
  let db: TestDatabase | undefined;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let ctx: AppContext | undefined;
  let live: LiveHub | undefined;

  const close = async () => {
    await browser?.close();
    await live?.close();
    if (server) {
      const closing = server;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    }
    await db?.close();
    await rm(uploadDir, { recursive: true, force: true });
  };

  try {
    db = await createTestDatabase();
    await seedDemoData(db.prisma, { password: DEMO_PASSWORD });
    const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', UPLOAD_DIR: uploadDir });
    ctx = {
      env,
      db,
      logger: createLogger(env.LOG_LEVEL),
      settings: new SettingsService(db.prisma),
      sessionSecret: 'e2e-secret-e2e-secret-e2e-secret-0123456',
    };
    const services = createServices(ctx);
    const app = createApp(ctx, { services });
    live = services.live;
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  } catch (error) {
    await close();
    throw error;
  }

  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const openBrowser = browser;

  const newSession: E2e['newSession'] = async (options = {}) => {
    const context = await openBrowser.newContext({ locale: 'es-AR', viewport: options.viewport ?? DESKTOP });
    const problems: PageProblems = { console: [], csp: [], offsite: [], failed: [] };
    try {
      // Only loopback traffic: anything else is recorded and refused.
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' && url.pathname === AXE_URL_PATH) {
          return route.fulfill({ path: AXE_PATH, contentType: 'text/javascript; charset=utf-8' });
        }
        if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
        problems.offsite.push(url.href);
        return route.abort('blockedbyclient');
      });
      await context.exposeBinding('__reportCsp', (_source, text: string) => {
        problems.csp.push(text);
      });
      // Runs through the DevTools protocol, so the page's CSP does not apply to it.
      await context.addInitScript(
        `document.addEventListener('securitypolicyviolation', (e) =>
          window.__reportCsp(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`,
      );
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') problems.console.push(`${page.url()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.console.push(`${page.url()}: uncaught ${error.message}`));
      page.on('requestfailed', (request) => {
        // Leaving a page cuts its live stream (and a late favicon fetch) short: not a failure.
        const { pathname } = new URL(request.url());
        const cutByNavigation = pathname === '/events' || pathname.endsWith('/favicon.svg');
        if (cutByNavigation && request.failure()?.errorText === 'net::ERR_ABORTED') return;
        problems.failed.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.failed.push(`${response.url()}: HTTP ${response.status()}`);
      });
      return { context, page, problems, close: () => context.close() };
    } catch (error) {
      await context.close();
      throw error;
    }
  };

  return {
    baseUrl,
    db,
    ctx: ctx as AppContext,
    browser: openBrowser,
    newSession,
    async withPage(options, run) {
      const session = await newSession(options);
      try {
        await run(session.page, session.problems);
      } finally {
        await session.close();
      }
    },
    async signIn(page, email) {
      if (new URL(page.url()).pathname !== '/login') await page.goto(`${baseUrl}/login`);
      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByLabel('Contraseña').fill(DEMO_PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname !== '/login'),
        page.getByRole('button', { name: 'Ingresar' }).click(),
      ]);
      await page.waitForLoadState('load');
    },
    close,
  };
}

/** Screenshot; then no CSP/console/network problems so far, no sideways scrolling, and axe finds nothing serious. */
export async function checkPage(page: Page, problems: PageProblems, name: string): Promise<void> {
  await page.waitForLoadState('load');
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
  expect(
    problems,
    `${name}: console errors, CSP violations or failed requests\n${JSON.stringify(problems, null, 2)}`,
  ).toEqual({
    console: [],
    csp: [],
    offsite: [],
    failed: [],
  });
  await expectNoHorizontalOverflow(page, name);
  const violations = await runAxe(page);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const other = violations.filter((v) => !blocking.includes(v));
  if (other.length > 0) console.info(`[axe] ${name}: minor/moderate findings\n${formatViolations(other)}`);
  expect(
    blocking.map((v) => `${v.id} (${v.impact})`),
    `[axe] ${name}: serious/critical violations\n${formatViolations(blocking)}`,
  ).toEqual([]);
}

async function runAxe(page: Page): Promise<AxeViolation[]> {
  // `addScriptTag({ path })` inlines the file, which the strict CSP (rightly) blocks; served from
  // the page's own origin (see newSession), the script is allowed by `script-src 'self'`.
  await page.addScriptTag({ url: AXE_URL_PATH });
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })`,
  )) as { violations: AxeViolation[] };
  return result.violations;
}

function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) =>
      [
        `  • ${v.id} (${v.impact}): ${v.help}`,
        `    ${v.helpUrl}`,
        ...v.nodes
          .slice(0, 5)
          .map(
            (node) =>
              `    - ${node.target.join(' ')}\n      ${node.html.slice(0, 200)}\n      ${(node.failureSummary ?? '').replace(/\n/g, '\n      ')}`,
          ),
        v.nodes.length > 5 ? `    … and ${v.nodes.length - 5} more` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n');
}

/** No sideways scrolling: the page is no wider than the viewport. */
export async function expectNoHorizontalOverflow(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  expect(scrollWidth, `${name}: page is ${scrollWidth} px wide in a ${width} px viewport`).toBeLessThanOrEqual(width);
}
