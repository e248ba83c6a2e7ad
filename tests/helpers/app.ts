// Builds the real app on a fresh database for one test file, plus helpers to act as a user.
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import type { AppContext } from '../../src/context.js';
import { createLogger } from '../../src/lib/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { SettingsService } from '../../src/settings/settings.service.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export type TestApp = { app: Express; ctx: AppContext; services: Services; db: TestDatabase; close(): Promise<void> };

export async function createTestApp(envOverrides: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...envOverrides });
  const ctx: AppContext = {
    env,
    db,
    logger: createLogger(env.LOG_LEVEL),
    settings: new SettingsService(db.prisma),
    sessionSecret: 'test-secret-test-secret-test-secret-0123',
  };
  const services = createServices(ctx);
  const app = createApp(ctx, { services });
  return {
    app,
    ctx,
    services,
    db,
    async close() {
      await services.live.close();
      await db.close();
    },
  };
}

export type Agent = ReturnType<typeof request.agent>;

/** The CSRF token of the form on a page the agent can see. */
export async function csrfFrom(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path);
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!match?.[1]) throw new Error(`No CSRF token on ${path} (status ${res.status})`);
  return match[1];
}

/** Posts a form the way a browser does: with the page's CSRF token. */
export async function submitForm(
  agent: Agent,
  formPage: string,
  action: string,
  fields: Record<string, string | string[]>,
) {
  const token = await csrfFrom(agent, formPage);
  return agent
    .post(action)
    .type('form')
    .send({ ...fields, _csrf: token });
}

export async function loginAs(app: Express, email: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
  const res = await submitForm(agent, '/login', '/login', { email, password });
  if (res.status !== 302) throw new Error(`Login as ${email} failed: ${res.status} ${res.text.slice(0, 300)}`);
  return agent;
}

export const TEST_PASSWORD = 'correct horse battery';

/** A signed-in session cookie (`name=value`), got through the real login form: for raw HTTP clients. */
export async function sessionCookie(app: Express, email: string, password = TEST_PASSWORD): Promise<string> {
  const page = await request(app).get('/login');
  const cookie = (page.headers['set-cookie'] as unknown as string[])[0]?.split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  const res = await request(app)
    .post('/login')
    .set('Cookie', cookie)
    .type('form')
    .send({ email, password, _csrf: csrf });
  if (res.status !== 302) throw new Error(`Login as ${email} failed: ${res.status}`);
  return (res.headers['set-cookie'] as unknown as string[])[0]?.split(';')[0] ?? '';
}
