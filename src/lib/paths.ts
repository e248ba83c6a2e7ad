import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Works both from src/ (tsx, vitest) and from dist/src/ (compiled).
const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = here.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(here, '..', '..', '..')
  : path.resolve(here, '..', '..');

export function projectPath(...segments: string[]): string {
  return path.join(projectRoot, ...segments);
}
