// Removes stored files that no Attachment row points to (a crash between storing the bytes and
// committing the row), and stale temporary uploads. Young files are left alone: their row may be
// committing right now.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AttachmentStorage } from '../attachments/storage.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export async function removeOrphanFiles(
  prisma: PrismaClient,
  storage: AttachmentStorage,
  options: { olderThanMs?: number; now?: Date } = {},
): Promise<number> {
  const cutoff = (options.now ?? new Date()).getTime() - (options.olderThanMs ?? 60 * 60 * 1000);
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const known = await prisma.attachment.findMany({
      where: { storageKey: { in: batch } },
      select: { storageKey: true },
    });
    const keep = new Set(known.map((row) => row.storageKey));
    for (const key of batch) {
      if (!keep.has(key)) {
        await storage.remove(key);
        removed++;
      }
    }
    batch = [];
  };
  for await (const file of storage.list()) {
    if (file.modifiedAt.getTime() > cutoff) continue;
    batch.push(file.storageKey);
    if (batch.length >= 500) await flush();
  }
  await flush();
  for (const name of await readdir(storage.tempDir).catch(() => [] as string[])) {
    const full = path.join(storage.tempDir, name);
    const info = await stat(full).catch(() => null);
    if (info && info.mtime.getTime() <= cutoff) {
      await rm(full, { force: true });
      removed++;
    }
  }
  return removed;
}
