// The orphan clean-up job: stored files no Attachment row points to, and stale temporary uploads,
// are removed once old enough; files with rows, young files and what is not ours are kept.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AttachmentStorage, createLocalStorage } from '../../src/attachments/storage.js';
import { removeOrphanFiles } from '../../src/jobs/orphan-files.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createUser } from '../helpers/factories.js';

let db: TestDatabase;
let root: string;
let storage: AttachmentStorage;
let ticketId: number;
let uploaderId: number;

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const inStore = (storageKey: string) => path.join(root, storageKey);

/** Puts bytes in the store the way an upload does (through a temporary file). */
async function storeFile(content = randomBytes(32)): Promise<string> {
  await mkdir(storage.tempDir, { recursive: true });
  const temp = path.join(storage.tempDir, randomBytes(16).toString('hex'));
  await writeFile(temp, content);
  return (await storage.put(temp)).storageKey;
}

async function withRow(storageKey: string) {
  await db.prisma.attachment.create({
    data: {
      ticketId,
      uploaderId,
      originalName: 'kept.png',
      storageKey,
      mimeType: 'image/png',
      size: 32,
      sha256: '0'.repeat(64),
    },
  });
}

async function tempFile(name = randomBytes(16).toString('hex')): Promise<string> {
  await mkdir(storage.tempDir, { recursive: true });
  const file = path.join(storage.tempDir, name);
  await writeFile(file, 'half an upload');
  return file;
}

/**
 * "Now" for a clean-up with no minimum age, a second ahead: a file's mtime comes from the kernel's
 * clock, which on a busy machine can read a few milliseconds past this process's Date.now().
 */
const aMomentLater = () => new Date(Date.now() + 1_000);

async function age(file: string, ms: number) {
  const at = new Date(Date.now() - ms);
  await utimes(file, at, at);
}

async function allFiles(dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(full)));
    else out.push(path.relative(root, full));
  }
  return out.sort();
}

beforeAll(async () => {
  db = await createTestDatabase();
  const client = await createUser(db.prisma, { role: 'CLIENT' });
  uploaderId = client.id;
  const ticket = await db.prisma.ticket.create({
    data: {
      subject: 'Con archivos',
      description: 'Para el job de huérfanos.',
      requesterId: client.id,
      organizationId: client.organizationId,
      createdById: client.id,
    },
  });
  ticketId = ticket.id;
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'centinela-orphans-'));
  storage = createLocalStorage(root);
  await db.prisma.attachment.deleteMany();
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
});

describe('removeOrphanFiles', () => {
  it('with no minimum age: removes a stored file with no row and a stale temporary file, keeps files with rows', async () => {
    const kept = await storeFile();
    await withRow(kept);
    const orphan = await storeFile();
    const temp = await tempFile();

    const removed = await removeOrphanFiles(db.prisma, storage, { olderThanMs: 0, now: aMomentLater() });

    expect(removed).toBe(2);
    expect(await exists(inStore(orphan))).toBe(false);
    expect(await exists(temp)).toBe(false);
    expect(await exists(inStore(kept))).toBe(true);
    expect(await allFiles()).toEqual([kept]);
    // The kept file still reads back.
    const chunks: Buffer[] = [];
    for await (const chunk of storage.read(kept)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toHaveLength(32);
    // Run again: nothing more to do.
    expect(await removeOrphanFiles(db.prisma, storage, { olderThanMs: 0, now: aMomentLater() })).toBe(0);
  });

  it('with the default age: keeps young orphans and young temporary files, removes old ones', async () => {
    const kept = await storeFile();
    await withRow(kept);
    const young = await storeFile();
    const youngTemp = await tempFile();
    const old = await storeFile();
    const oldTemp = await tempFile();
    await age(inStore(old), 2 * 60 * 60 * 1000);
    await age(oldTemp, 2 * 60 * 60 * 1000);
    await age(inStore(kept), 24 * 60 * 60 * 1000);

    const removed = await removeOrphanFiles(db.prisma, storage);

    expect(removed).toBe(2);
    expect(await exists(inStore(young))).toBe(true);
    expect(await exists(youngTemp)).toBe(true);
    expect(await exists(inStore(old))).toBe(false);
    expect(await exists(oldTemp)).toBe(false);
    expect(await exists(inStore(kept))).toBe(true);
  });

  it('a young file becomes removable once it is older than the limit (the `now` option)', async () => {
    const orphan = await storeFile();
    expect(await removeOrphanFiles(db.prisma, storage)).toBe(0);
    const later = new Date(Date.now() + 61 * 60 * 1000);
    expect(await removeOrphanFiles(db.prisma, storage, { now: later })).toBe(1);
    expect(await exists(inStore(orphan))).toBe(false);
  });

  it('leaves alone what does not look like a stored file', async () => {
    await writeFile(path.join(root, 'README.txt'), 'not ours');
    await mkdir(path.join(root, 'ab'), { recursive: true });
    await writeFile(path.join(root, 'ab', 'not-a-key'), 'not ours');
    await mkdir(path.join(root, 'backup'), { recursive: true });
    await writeFile(path.join(root, 'backup', 'a'.repeat(32)), 'not ours');
    expect(await removeOrphanFiles(db.prisma, storage, { olderThanMs: 0, now: aMomentLater() })).toBe(0);
    expect(await allFiles()).toEqual(['README.txt', path.join('ab', 'not-a-key'), path.join('backup', 'a'.repeat(32))]);
  });

  it('works through more files than one batch, keeping every file that has a row', async () => {
    const keptKeys: string[] = [];
    for (let i = 0; i < 520; i++) keptKeys.push(await storeFile(Buffer.from(`kept ${i}`)));
    await db.prisma.attachment.createMany({
      data: keptKeys.map((storageKey) => ({
        ticketId,
        uploaderId,
        originalName: 'kept.txt',
        storageKey,
        mimeType: 'text/plain',
        size: 8,
        sha256: '0'.repeat(64),
      })),
    });
    const orphans: string[] = [];
    for (let i = 0; i < 15; i++) orphans.push(await storeFile(Buffer.from(`orphan ${i}`)));

    expect(await removeOrphanFiles(db.prisma, storage, { olderThanMs: 0, now: aMomentLater() })).toBe(15);
    for (const key of orphans) expect(await exists(inStore(key))).toBe(false);
    expect(await allFiles()).toEqual([...keptKeys].sort());
  });

  it('does nothing when the upload directory does not exist yet', async () => {
    const missing = createLocalStorage(path.join(root, 'never-created'));
    expect(await removeOrphanFiles(db.prisma, missing, { olderThanMs: 0, now: aMomentLater() })).toBe(0);
  });
});
