// Prisma's schema engine compiled to WebAssembly, driven through the pg driver adapter.
// The native engine binary cannot be downloaded on closed networks; this build ships in
// an npm package. Node 20 cannot `import` a .wasm file, so it is instantiated by hand.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import type pg from 'pg';

type EngineModule = typeof import('@prisma/schema-engine-wasm');

let enginePromise: Promise<EngineModule> | undefined;

async function loadEngineModule(): Promise<EngineModule> {
  const require = createRequire(import.meta.url);
  // The exports map hides the .wasm file, so find it beside the exported JS glue.
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const packageDir = path.dirname(gluePath);
  const bg = (await import(pathToFileURL(gluePath).href)) as EngineModule & {
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
  };
  const bytes = await readFile(path.join(packageDir, 'schema_engine_bg.wasm'));
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg;
}

/** Opens a schema engine on the given pool (it connects at construction). */
export async function openSchemaEngine(options: {
  pool: pg.Pool;
  datamodels?: [string, string][];
  log?: (message: string) => void;
}): Promise<SchemaEngine> {
  enginePromise ??= loadEngineModule();
  const { SchemaEngine } = await enginePromise;
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(options.pool));
  return SchemaEngine.new({ datamodels: options.datamodels }, (message: string) => options.log?.(message), adapter);
}
