// Attachment bytes on local disk under UPLOAD_DIR (never under public/). The interface is small
// so an S3-compatible store can stand in for it. Keys are random: names never become paths.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export type AttachmentStorage = {
  /** Moves a finished temporary file into the store, durably, and returns its key and digest. */
  put(tempPath: string): Promise<{ storageKey: string; sha256: string; size: number }>;
  read(storageKey: string): Readable;
  remove(storageKey: string): Promise<void>;
  /** Keys with their modification times, for the orphan clean-up job. */
  list(): AsyncIterable<{ storageKey: string; modifiedAt: Date }>;
  tempDir: string;
};

const keyPattern = /^[a-f0-9]{2}\/[a-f0-9]{32}$/;

export function createLocalStorage(root: string): AttachmentStorage {
  const base = path.resolve(root);
  const tempDir = path.join(base, 'tmp');
  const fileOf = (storageKey: string) => {
    if (!keyPattern.test(storageKey)) throw new Error('invalid storage key');
    return path.join(base, storageKey);
  };

  return {
    tempDir,
    async put(tempPath) {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(tempPath)) hash.update(chunk as Buffer);
      // fsync the bytes, then rename: a crash leaves either no file or a whole one.
      const handle = await open(tempPath, 'r+');
      await handle.sync();
      await handle.close();
      const id = randomBytes(16).toString('hex');
      const storageKey = `${id.slice(0, 2)}/${id}`;
      const target = fileOf(storageKey);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tempPath, target);
      const dir = await open(path.dirname(target), 'r');
      await dir.sync().catch(() => {});
      await dir.close();
      const { size } = await stat(target);
      return { storageKey, sha256: hash.digest('hex'), size };
    },
    read(storageKey) {
      return createReadStream(fileOf(storageKey));
    },
    async remove(storageKey) {
      await rm(fileOf(storageKey), { force: true });
    },
    async *list() {
      const shards = await readdir(base, { withFileTypes: true }).catch(() => []);
      for (const shard of shards) {
        if (!shard.isDirectory() || !/^[a-f0-9]{2}$/.test(shard.name)) continue;
        for (const file of await readdir(path.join(base, shard.name))) {
          const storageKey = `${shard.name}/${file}`;
          if (!keyPattern.test(storageKey)) continue;
          const info = await stat(path.join(base, storageKey)).catch(() => null);
          if (info) yield { storageKey, modifiedAt: info.mtime };
        }
      }
    },
  };
}
