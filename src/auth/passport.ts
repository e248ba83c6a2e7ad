import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { SessionStore } from '../middleware/session.js';
import type { AuthService } from './auth.service.js';
import type { SessionUser } from './session-user.js';

type SerializedUser = { id: number; epoch: number };

export function configurePassport(auth: AuthService, store?: Pick<SessionStore, 'takeUser'>): passport.PassportStatic {
  const instance = new passport.Passport();
  instance.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', passReqToCallback: true },
      (req, email, password, done) => {
        auth.verifyCredentials({ email: email.trim().toLowerCase(), password, ip: req.ip ?? 'unknown' }).then(
          (user) => done(null, user),
          (error) => done(error),
        );
      },
    ),
  );
  instance.serializeUser((user, done) => {
    const { id, sessionEpoch } = user as SessionUser;
    done(null, { id, epoch: sessionEpoch } satisfies SerializedUser);
  });
  instance.deserializeUser(
    (req: IncomingMessage, serialized: SerializedUser, done: (error: unknown, user?: SessionUser | false) => void) => {
      // Usually the session store read the user in the same statement as the session.
      const row = store?.takeUser((req as { sessionID?: string }).sessionID ?? '');
      if (row !== undefined) {
        if (!row || row.id !== serialized.id || !row.isActive || row.sessionEpoch !== serialized.epoch)
          return done(null, false);
        const { isActive: _active, ...user } = row;
        return done(null, user);
      }
      auth.loadSessionUser(serialized.id, serialized.epoch).then(
        // false signs the session out: the account was deactivated or its sessions were ended.
        (user) => done(null, user ?? false),
        (error) => done(error),
      );
    },
  );
  return instance as unknown as passport.PassportStatic;
}
