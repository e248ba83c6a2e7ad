// A real SMTP server on a loopback port for e-mail tests: records what it accepts, and can be
// told to answer "421 try again later" to simulate an outage.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = {
  from: string;
  to: string[];
  raw: string;
  messageId: string | null;
  /** performance.now() when the message was accepted (latency measurements). */
  at: number;
};

export type TestSmtp = {
  url: string;
  received: ReceivedMail[];
  /** While true, every MAIL FROM is refused with 421. */
  isDown: boolean;
  refusals: number;
  /** Called for each accepted message. */
  onMail?: (mail: ReceivedMail) => void;
  close(): Promise<void>;
};

export async function startTestSmtp(): Promise<TestSmtp> {
  const state: Pick<TestSmtp, 'received' | 'isDown' | 'refusals' | 'onMail'> = {
    received: [],
    isDown: false,
    refusals: 0,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Pooled clients keep connections open: close() must not wait 30 s for them.
    closeTimeout: 200,
    onMailFrom(_address, _session, callback) {
      if (state.isDown) {
        state.refusals++;
        callback(Object.assign(new Error('Service temporarily unavailable'), { responseCode: 421 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = raw.split(/\r?\n\r?\n/)[0] ?? '';
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(header)?.[1] ?? null;
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
          messageId,
          at: performance.now(),
        };
        state.received.push(mail);
        state.onMail?.(mail);
        callback();
      });
    },
  });
  // A client killed in the middle of a session (worker-kill.test.ts does it on purpose) resets its
  // connection; unheard, that error ends the test run as an uncaught exception.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return Object.assign(state, {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as TestSmtp;
}
