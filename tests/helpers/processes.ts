// Real child processes for tests: the app or the worker started from their TypeScript sources
// (node --import tsx, so a signal reaches the process itself, not a wrapper), on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { projectPath } from '../../src/lib/paths.js';

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `script` (relative to the project) with exactly `env` (plus PATH). */
export function runTs(
  script: string,
  env: Record<string, string | undefined>,
  stdio: 'pipe' | 'inherit' = 'pipe',
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', stdio, stdio],
  });
}

/** How the process ended: its signal, or its exit code. */
export function exitOf(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode ?? child.exitCode);
    else child.once('exit', (code, signal) => resolve(signal ?? code));
  });
}
