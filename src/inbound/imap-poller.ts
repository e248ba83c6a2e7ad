// Reads the help desk's mailbox over IMAP: each poll connects, takes the unseen messages of the
// folder oldest first, hands each one to the processor and marks it \Seen only once the processor
// has recorded it. A crash in between leaves the message unseen; the next poll hands it over
// again and the processor's Message-ID record turns the second time into a no-op.
import { ImapFlow } from 'imapflow';
import type { Logger } from '../lib/logger.js';

export type ImapPollerOptions = {
  url: string;
  folder: string;
  logger: Logger;
  process: (raw: Buffer) => Promise<unknown>;
  /** Messages per poll, so one poll stays short; the rest wait for the next. */
  batchSize?: number;
};

export type PollResult = { processed: number; failed: number; remaining: number };

export function imapOptionsFromUrl(url: string) {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'imaps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
  };
}

export function createImapPoller(options: ImapPollerOptions) {
  const batchSize = options.batchSize ?? 50;
  let client: ImapFlow | null = null;
  let busy = false;
  let stopped = false;

  async function pollOnce(): Promise<PollResult> {
    const result: PollResult = { processed: 0, failed: 0, remaining: 0 };
    const connection = new ImapFlow({
      ...imapOptionsFromUrl(options.url),
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
      socketTimeout: 5 * 60_000,
    });
    // A dropped connection emits 'error'; without a listener that would crash the process.
    connection.on('error', (error: Error) => options.logger.warn({ err: error }, 'IMAP connection error'));
    client = connection;
    try {
      await connection.connect();
      const lock = await connection.getMailboxLock(options.folder);
      try {
        const unseen = (await connection.search({ seen: false }, { uid: true })) || [];
        const uids = [...unseen].sort((a, b) => a - b);
        result.remaining = Math.max(0, uids.length - batchSize);
        for (const uid of uids.slice(0, batchSize)) {
          if (stopped) break;
          // `source` is fetched with BODY.PEEK: reading does not set \Seen by itself.
          const message = await connection.fetchOne(String(uid), { source: true }, { uid: true });
          const source = message ? message.source : undefined;
          if (!source) continue;
          try {
            await options.process(source);
          } catch (error) {
            // Not recorded: leave it unseen for the next poll.
            result.failed++;
            options.logger.error({ err: error, uid }, 'inbound e-mail not processed; will retry');
            continue;
          }
          await connection.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
          result.processed++;
        }
      } finally {
        lock.release();
      }
      await connection.logout();
    } finally {
      connection.close();
      if (client === connection) client = null;
    }
    return result;
  }

  return {
    pollOnce,
    /** For the scheduler: a poll still running when the next tick comes skips that tick. */
    async tick(): Promise<PollResult | null> {
      if (busy || stopped) return null;
      busy = true;
      try {
        return await pollOnce();
      } finally {
        busy = false;
      }
    },
    /** Graceful stop: no new poll, and the open connection (if any) is closed. */
    stop() {
      stopped = true;
      client?.close();
    },
  };
}

export type ImapPoller = ReturnType<typeof createImapPoller>;
