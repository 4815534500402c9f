import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';

const LOCK_FILE = 'index.json.lock';
/** A lock older than this was left by a crashed writer: a commit holds it for milliseconds. */
const STALE_AFTER_MS = 30_000;
const GIVE_UP_AFTER_MS = 120_000;

/**
 * Runs `update` while holding `<layout>/index.json.lock`, created with
 * O_EXCL so only one writer (in this process or another) rewrites
 * index.json at a time. Without it two commits that read index.json at the
 * same moment each rename their own version over it, and one tag is lost
 * while both report success.
 */
export async function withIndexLock<T>(layoutDir: string, signal: AbortSignal | undefined, update: () => Promise<T>): Promise<T> {
  const lockPath = join(layoutDir, LOCK_FILE);
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await lockAge(lockPath);
    if (age !== undefined && age > STALE_AFTER_MS) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > GIVE_UP_AFTER_MS) {
      throw new S3loError(ErrorCode.PRECONDITION_FAILED, `${lockPath} has been held for over ${GIVE_UP_AFTER_MS / 1000} s by another writer`, {
        hint: `if no other s3lo is writing to ${layoutDir}, remove ${lockPath}`,
      });
    }
    await sleep(Math.min(5 + attempt * 5, 100), undefined, { signal }).catch(() => throwIfAborted(signal));
  }
  try {
    return await update();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function lockAge(lockPath: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs;
  } catch {
    return undefined;
  }
}
