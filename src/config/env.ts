// The only module that reads process.env. A bad value stops the start with one clear line.
import { z } from 'zod';

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : undefined))
    .refine(
      (value) => {
        if (value === undefined) return true;
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.join(' or ')}//` },
    );

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  BASE_URL: optionalUrl(['http:', 'https:']),
  SESSION_SECRET: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.length >= 32, {
      message: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    }),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value) => {
      if (value === undefined || value === '' || value === 'false' || value === '0') return false;
      if (value === 'true') return true;
      return /^\d+$/.test(value) ? Number(value) : value;
    }),
  UPLOAD_DIR: z.string().trim().min(1).default('./uploads'),
  UPLOAD_MAX_MB: z.coerce.number().positive().max(1024).default(10),
  UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(50).default(5),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().trim().min(3).default('Centinela <no-reply@localhost>'),
  // Where the outbox is delivered: inside each app process, or only by `npm run worker` processes
  // (a busy desk: e-mail rendering and sending then never compete with pages for a process's CPU).
  MAIL_WORKER: z.enum(['app', 'separate']).default('app'),
  // Incoming mail: the mailbox whose messages become tickets and replies. Unset = inbound off.
  IMAP_URL: optionalUrl(['imap:', 'imaps:']),
  IMAP_FOLDER: z.string().trim().min(1).max(200).default('INBOX'),
  IMAP_POLL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
  INBOUND_MAX_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_PASSWORD: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.length >= 10, {
      message: 'must be at least 10 characters',
    }),
  SEED_DEMO: boolean,
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = EnvSchema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join('.') ?? 'environment';
  throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? 'is invalid'}`);
}
