// Runs `prisma generate` without letting the CLI download a native schema engine
// (unreachable on closed networks). Generate never executes the engine; it only checks
// that PRISMA_SCHEMA_ENGINE_BINARY points at an existing file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
let prismaCli;
try {
  prismaCli = require.resolve('prisma/build/index.js', { paths: [root] });
} catch {
  // Production images without the CLI use the client generated at build time.
  process.exit(0);
}
// Skip when the schema and Prisma's version are what the current client was generated from
// (keeps `npm start` quick); `--force` regenerates anyway.
const schema = readFileSync(path.join(root, 'prisma', 'schema.prisma'));
const prismaVersion = JSON.parse(
  readFileSync(require.resolve('prisma/package.json', { paths: [root] }), 'utf8'),
).version;
const fingerprint = createHash('sha256').update(schema).update(prismaVersion).digest('hex');
const stampFile = path.join(root, 'src', 'generated', 'prisma', '.fingerprint');
if (!process.argv.includes('--force') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === fingerprint) {
  process.exit(0);
}

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_TELEMETRY_DISABLE: '1',
};
const result = spawnSync(process.execPath, [prismaCli, 'generate'], { cwd: root, env, stdio: 'inherit' });
if (result.status === 0) writeFileSync(stampFile, fingerprint);
process.exit(result.status ?? 1);
