// Versioned URLs for the app's own and vendored assets, so browsers may cache them for a year.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectPath } from './paths.js';

const require = createRequire(import.meta.url);

/** URL prefix → directory served from it. Everything the browser loads comes from here: no CDN. */
export const assetMounts: Record<string, string> = {
  '/static': projectPath('public'),
  '/vendor/bootstrap': path.join(path.dirname(require.resolve('bootstrap/package.json')), 'dist'),
};

const versions = new Map<string, string>();

export function assetUrl(url: string): string {
  let version = versions.get(url);
  if (version === undefined) {
    const mount = Object.keys(assetMounts).find((prefix) => url.startsWith(`${prefix}/`));
    if (!mount) throw new Error(`Unknown asset ${url}`);
    const file = path.join(assetMounts[mount] as string, url.slice(mount.length));
    version = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
    versions.set(url, version);
  }
  return `${url}?v=${version}`;
}
