// Boots the real server the way a newcomer does (no DATABASE_URL, no configuration), then signs in
// as the demo client with the password printed on the console.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/lib/paths.js';
import { freePort } from '../helpers/processes.js';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-boot-'));
const children: ChildProcess[] = [];

async function boot(extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  // A clean environment, as on a newcomer's machine (vitest itself sets BASE_URL, NODE_ENV…).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: projectPath(), env });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    const check = setInterval(() => {
      if (output.includes('Centinela is running at')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output, child, exited };
}

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

// Each case starts a whole server (WASM database included): slow on a loaded 2-core machine.
describe('npm start with no configuration', { timeout: 180_000 }, () => {
  it('creates the embedded database, prints the demo logins, and the demo client can sign in', async () => {
    const server = await boot();
    const printed = server.output();
    for (const email of [
      'admin@demo.local',
      'soporte@demo.local',
      'tecnico@demo.local',
      'cliente@demo.local',
      'cliente2@demo.local',
    ]) {
      expect(printed).toContain(email);
    }
    const password = /password: (\S+)\s+<- shown only this once/.exec(printed)?.[1];
    expect(password).toBeDefined();

    const agent = request.agent(server.url);
    const page = await agent.get('/login');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] as string;
    const login = await agent.post('/login').type('form').send({ email: 'cliente@demo.local', password, _csrf: token });
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/tickets');
    const home = await agent.get('/tickets');
    expect(home.text).toContain('Mis tickets');
    expect(home.text).toContain('Datos de demostración');
    // Demo tickets made through the real lifecycle give each role something to try.
    expect(home.text).toContain('Cámara fuera de servicio en el depósito');
    expect(home.text).toContain('La alarma se dispara sola de noche');

    // SIGTERM: stops accepting, finishes, closes the database, exits cleanly.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('on the next start keeps the data and never prints a password again', async () => {
    const server = await boot();
    expect(server.output()).not.toContain('shown only this once');
    expect(server.output()).not.toContain('Demo data created');
    const ready = await request(server.url).get('/readyz');
    expect(ready.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('stops at once with one clear line when a variable is wrong', async () => {
    await expect(boot({ PORT: 'not-a-port' })).rejects.toThrow(/Invalid configuration: PORT/);
  });
});
