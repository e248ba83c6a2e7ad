// Real-time fan-out between app processes through PostgreSQL LISTEN/NOTIFY. Writers call
// pg_notify inside their transaction (delivered only if it commits); each process keeps one
// listening connection and hands every event to its local subscribers (SSE streams, the worker).
//
// On a server the listener is a dedicated connection. The embedded database is a single session
// shared through a pool of one, so there the pool's connection itself LISTENs: PostgreSQL
// delivers a session's own NOTIFYs to it, and no second connection is needed.
import pg from 'pg';
import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { CACHE_CHANNEL, clearReferenceCaches } from '../reference/reference-data.js';
import { LIVE_CHANNEL, OUTBOX_CHANNEL } from './outbox.js';

export { LIVE_CHANNEL };

export type LiveEvent =
  /** The user has a new in-app notification. */
  | { type: 'notification'; userId: number }
  /** A ticket changed; `staffOnly` when nothing a client can see changed (an internal note). */
  | { type: 'ticket'; ticketId: number; number: number; staffOnly: boolean; actorId: number | null }
  /** The listener reconnected: events may have been missed, subscribers should refresh. */
  | { type: 'resync' }
  /** This process is shutting down: streams end so the browser reconnects elsewhere. */
  | { type: 'closing' };

type Handler = (event: LiveEvent) => void;

export type LiveHub = {
  /** Subscribes to live events; starts listening on first use. Returns the unsubscribe. */
  subscribe(handler: Handler): () => void;
  /** Called whenever an outbox row was committed somewhere (wakes the worker). */
  onOutbox(handler: () => void): () => void;
  /** Resolves once the listener is connected (tests). */
  ready(): Promise<void>;
  close(): Promise<void>;
};

function parseEvent(payload: string | undefined): LiveEvent | null {
  try {
    const value = JSON.parse(payload ?? '') as LiveEvent;
    return value && typeof value === 'object' && typeof value.type === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function createLiveHub(db: Pick<Database, 'url' | 'pool' | 'isEmbedded'>, logger: Logger): LiveHub {
  const handlers = new Set<Handler>();
  const outboxHandlers = new Set<() => void>();
  let started: Promise<void> | null = null;
  let closed = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryMs = 500;

  const onNotification = (message: pg.Notification) => {
    if (message.channel === OUTBOX_CHANNEL) {
      for (const handler of outboxHandlers) handler();
      return;
    }
    // Another process changed reference data or settings: forget this process's copies.
    if (message.channel === CACHE_CHANNEL) {
      clearReferenceCaches();
      return;
    }
    if (message.channel !== LIVE_CHANNEL) return;
    const event = parseEvent(message.payload);
    if (event) emit(event);
  };

  function emit(event: LiveEvent) {
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (error) {
        logger.error({ err: error }, 'live event handler failed');
      }
    }
  }

  const listenSql = `LISTEN ${LIVE_CHANNEL}; LISTEN ${OUTBOX_CHANNEL}; LISTEN ${CACHE_CHANNEL}`;

  async function connectServer(): Promise<void> {
    const next = new pg.Client({ connectionString: db.url });
    next.on('notification', onNotification);
    next.on('error', (error) => {
      logger.warn({ err: error }, 'live listener lost its connection');
      scheduleReconnect();
    });
    next.on('end', () => scheduleReconnect());
    await next.connect();
    await next.query(listenSql);
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    retryMs = 500;
  }

  function scheduleReconnect() {
    if (closed || retryTimer) return;
    const lost = client;
    client = null;
    lost?.removeAllListeners('end');
    lost?.end().catch(() => {});
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connectServer()
        .then(() => {
          // Whatever was announced while disconnected is unknown: start the caches afresh.
          clearReferenceCaches();
          emit({ type: 'resync' });
          for (const handler of outboxHandlers) handler();
        })
        .catch((error) => {
          logger.warn({ err: error, retryMs }, 'live listener cannot reconnect yet');
          retryMs = Math.min(30_000, retryMs * 2);
          scheduleReconnect();
        });
    }, retryMs);
    retryTimer.unref();
  }

  async function listenEmbedded(): Promise<void> {
    // The pool's only connection; a reconnect (rare: the socket is in-process) listens again.
    const attach = (conn: pg.PoolClient | pg.Client) => {
      conn.on('notification', onNotification);
    };
    db.pool.on('connect', (conn) => {
      attach(conn);
      conn.query(listenSql).catch((error: Error) => logger.warn({ err: error }, 'embedded LISTEN failed'));
    });
    const conn = await db.pool.connect();
    try {
      attach(conn);
      await conn.query(listenSql);
    } finally {
      conn.release();
    }
  }

  function start(): Promise<void> {
    if (!started) {
      started = (db.isEmbedded ? listenEmbedded() : connectServer()).catch((error) => {
        logger.warn({ err: error }, 'live listener cannot connect; retrying');
        scheduleReconnect();
      });
    }
    return started;
  }

  return {
    subscribe(handler) {
      handlers.add(handler);
      void start();
      return () => handlers.delete(handler);
    },
    onOutbox(handler) {
      outboxHandlers.add(handler);
      void start();
      return () => outboxHandlers.delete(handler);
    },
    ready: () => start(),
    async close() {
      closed = true;
      emit({ type: 'closing' });
      if (retryTimer) clearTimeout(retryTimer);
      handlers.clear();
      outboxHandlers.clear();
      const current = client;
      client = null;
      current?.removeAllListeners('end');
      await current?.end().catch(() => {});
    },
  };
}
