import type { TFunction } from 'i18next';
import type { SessionUser } from '../auth/session-user.js';
import type { FlashMessage } from '../lib/flash.js';
import type { Language } from '../lib/i18n.js';

declare global {
  namespace Express {
    interface User extends SessionUser {}
    interface Request {
      t: TFunction;
      lang: Language;
      invalidUtf8Fields: Set<string>;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: FlashMessage[];
    lang?: Language;
    epoch?: number;
    /** Set by a correct password on an unconfirmed account: whom "send the link again" is for. */
    unverifiedUserId?: number;
  }
}
