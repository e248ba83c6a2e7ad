// A Server-Sent Events client for tests: opens a stream with a session cookie and waits for events.
import http from 'node:http';

export type SseEvent = { event: string; data: unknown };

export type EventStream = {
  status: number;
  events: SseEvent[];
  /** The next event of this type not yet taken (by arrival order), or a rejection after `ms`. */
  next(type: string, ms?: number): Promise<unknown>;
  /** Resolves true if an event of this type arrives within `ms`, false otherwise. */
  arrives(type: string, ms: number): Promise<boolean>;
  close(): void;
};

export function openEventStream(url: string, cookie: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const taken = new Set<number>();
    const waiters = new Set<() => void>();
    const req = http.get(url, { headers: { Cookie: cookie, Accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data !== undefined) {
            events.push({ event: type, data: JSON.parse(data) });
            for (const wake of waiters) wake();
          }
          end = buffer.indexOf('\n\n');
        }
      });
      const find = (type: string) => events.findIndex((e, i) => e.event === type && !taken.has(i));
      const stream: EventStream = {
        status: res.statusCode ?? 0,
        events,
        next(type, ms = 10_000) {
          return new Promise((done, fail) => {
            const check = () => {
              const index = find(type);
              if (index === -1) return false;
              taken.add(index);
              waiters.delete(check);
              clearTimeout(timer);
              done(events[index]?.data);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no "${type}" event within ${ms} ms; got ${JSON.stringify(events)}`));
            }, ms);
            if (!check()) waiters.add(check);
          });
        },
        arrives(type, ms) {
          return stream.next(type, ms).then(
            () => true,
            () => false,
          );
        },
        close: () => req.destroy(),
      };
      resolve(stream);
    });
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}
