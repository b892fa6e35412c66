import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MANIFEST_FILE } from './artifacts.ts';

/**
 * Moves the complete folder `from` to `to`. If `to` exists it is swapped out by two renames
 * (it is briefly absent, never half-written); where it cannot be renamed (a mount point, say)
 * its manifest goes first, then its files are replaced, and the new manifest comes last.
 */
export async function replaceFolder(from: string, to: string): Promise<void> {
  if (!existsSync(to)) {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    return;
  }
  const old = `${to}.old-${process.pid}`;
  try {
    await rename(to, old);
  } catch {
    await replaceContents(from, to);
    return;
  }
  await rename(from, to);
  await rm(old, { recursive: true, force: true });
}

async function replaceContents(from: string, to: string): Promise<void> {
  await rm(join(to, MANIFEST_FILE), { force: true });
  for (const entry of await readdir(to)) await rm(join(to, entry), { recursive: true, force: true });
  const files = (await readdir(from)).filter((f) => f !== MANIFEST_FILE);
  // Copy, not rename: `from` may be on another filesystem than a mounted `to`.
  for (const file of [...files, MANIFEST_FILE]) await copyFile(join(from, file), join(to, file));
  await rm(from, { recursive: true, force: true });
}
