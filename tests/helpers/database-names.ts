import { createHash } from 'node:crypto';

/** The PostgreSQL server tests use, if any (TEST_DATABASE_URL wins over DATABASE_URL). */
export function serverUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export function templateName(migrations: string[]): string {
  const hash = createHash('sha256').update(migrations.join('\n')).digest('hex').slice(0, 12);
  return `centinela_tpl_${hash}`;
}
