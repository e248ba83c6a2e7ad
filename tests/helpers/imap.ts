// A real IMAP server for inbound e-mail tests: Debian's dovecot, started as our own child process
// on a loopback port with a throw-away config, one user and a Maildir in a temp directory.
// Messages are "delivered" by IMAP APPEND, as a mail server's local delivery would leave them.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { freePort } from './processes.js';

const DOVECOT = '/usr/sbin/dovecot';
const inCi = Boolean(process.env.CI) && !['false', '0'].includes(String(process.env.CI).toLowerCase());
/** Without dovecot the inbound tests are skipped locally (a newcomer's `npm test`) and fail in CI. */
export const skipImap = !existsSync(DOVECOT) && !inCi;
export const imapSuiteTitle = (title: string) =>
  skipImap ? `${title} (skipped: ${DOVECOT} not found; apt-get install dovecot-imapd)` : title;
if (skipImap) console.warn(`[inbound] Skipping IMAP tests: ${DOVECOT} not found (apt-get install dovecot-imapd).`);
const USER = 'helpdesk';
const PASSWORD = 'inbound-secret';

export type TestImap = {
  url: string;
  /** Appends a raw message to INBOX, unseen. */
  deliver(raw: Buffer | string): Promise<void>;
  /** UIDs of INBOX messages without \Seen. */
  unseen(): Promise<number[]>;
  /** Clears \Seen on every message: as if a poll had crashed before marking them. */
  markAllUnseen(): Promise<void>;
  /** Removes every message, so each test starts with an empty mailbox. */
  empty(): Promise<void>;
  close(): Promise<void>;
};

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`dovecot did not start on port ${port} (exit ${child.exitCode}):\n${log}`);
}

export async function startTestImap(): Promise<TestImap> {
  if (!existsSync(DOVECOT)) {
    throw new Error(
      `${DOVECOT} is missing: the inbound e-mail tests need Debian's dovecot-imapd ` +
        '(apt-get install dovecot-imapd; .ci/run installs it).',
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'centinela-imap-'));
  // dovecot's login processes run unprivileged and must reach the sockets under base_dir.
  await chmod(dir, 0o755);
  const isRoot = process.getuid?.() === 0;
  // dovecot refuses to run mail or login processes as root: use `nobody` then; else ourselves.
  const uid = isRoot ? 65534 : (process.getuid?.() ?? 65534);
  const gid = isRoot ? 65534 : (process.getgid?.() ?? 65534);
  const self = os.userInfo().username;
  for (const sub of ['run', 'home', 'Maildir']) await mkdir(path.join(dir, sub));
  if (isRoot) {
    await chown(path.join(dir, 'home'), uid, gid);
    await chown(path.join(dir, 'Maildir'), uid, gid);
  }
  const port = await freePort();
  const logFile = path.join(dir, 'dovecot.log');
  await writeFile(path.join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}\n`);
  const config = [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/run`,
    `log_path = ${logFile}`,
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `mail_location = maildir:${dir}/Maildir`,
    ...(isRoot ? [] : [`default_internal_user = ${self}`, `default_login_user = ${self}`]),
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${uid} gid=${gid} home=${dir}/home`,
    '}',
    'service imap-login {',
    '  chroot =',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
    'service anvil {',
    '  chroot =',
    '}',
    '',
  ].join('\n');
  const configFile = path.join(dir, 'dovecot.conf');
  await writeFile(configFile, config);
  const child = spawn(DOVECOT, ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    await waitForPort(port, child, logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const url = `imap://${USER}:${PASSWORD}@127.0.0.1:${port}`;

  async function withClient<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: USER, pass: PASSWORD },
      logger: false,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  return {
    url,
    deliver: (raw) =>
      withClient(async (client) => {
        await client.append('INBOX', typeof raw === 'string' ? Buffer.from(raw) : raw, []);
      }),
    unseen: () =>
      withClient(async (client) => {
        const lock = await client.getMailboxLock('INBOX');
        try {
          return [...((await client.search({ seen: false }, { uid: true })) || [])];
        } finally {
          lock.release();
        }
      }),
    markAllUnseen: () =>
      withClient(async (client) => {
        const lock = await client.getMailboxLock('INBOX');
        try {
          if (client.mailbox && client.mailbox.exists > 0) await client.messageFlagsRemove('1:*', ['\\Seen']);
        } finally {
          lock.release();
        }
      }),
    empty: () =>
      withClient(async (client) => {
        const lock = await client.getMailboxLock('INBOX');
        try {
          if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
        } finally {
          lock.release();
        }
      }),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A raw RFC 822 message, built the way a mail client would (nodemailer's composer). */
export async function composeMail(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}
