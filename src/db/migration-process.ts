// The short-lived process in which the server applies its migrations (applyMigrationsInChildProcess
// in migrations.ts starts it): it is told the database URL, applies what is pending with the
// same code and lock as in-process, answers with the names applied or the error, and exits.
import { applyMigrations } from './migrations.js';

/** Tagged: a loader in the same process (tsx in watch mode) may send messages of its own. */
export type MigrationReply = { migrations: 'applied'; applied: string[] } | { migrations: 'failed'; error: string };

function reply(message: MigrationReply, code: number) {
  // Exit once the answer is on its way; the schema engine's pool is already closed.
  process.send?.(message, () => process.exit(code));
}

process.once('message', (message: { url: string }) => {
  applyMigrations({ url: message.url, isEmbedded: false }).then(
    (applied) => reply({ migrations: 'applied', applied }, 0),
    (error: Error) => reply({ migrations: 'failed', error: error.message }, 1),
  );
});
