// The mail worker as the app builds it: the notifications worker plus the direct resolvers of the
// features that queue non-ticket e-mails (account e-mails, replies to inbound mail). Composed here,
// beside createApp, so that notifications/ depends on no feature and the features depend on
// notifications/ only for its types and its outbox. The app, `npm run worker` and the benchmarks
// build their worker with this one function.
import { accountEmailResolvers } from './auth/account-emails.js';
import type { AppContext } from './context.js';
import { INBOUND_REJECTED_TOPIC, resolveInboundRejected } from './inbound/inbound-emails.js';
import type { DirectResolvers } from './notifications/direct.js';
import { createMailWorker, type MailWorkerOptions } from './notifications/worker.js';

export const mailResolvers: DirectResolvers = {
  ...accountEmailResolvers,
  [INBOUND_REJECTED_TOPIC]: resolveInboundRejected,
};

export function createAppMailWorker(
  ctx: Pick<AppContext, 'env' | 'db' | 'settings' | 'logger'>,
  options: Omit<MailWorkerOptions, 'resolvers'> = {},
) {
  return createMailWorker(ctx, { ...options, resolvers: mailResolvers });
}
