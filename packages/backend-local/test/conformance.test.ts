import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@s3lo/backend-conformance';
import { LocalBackend } from '../src/index.js';

/** Temporary files anywhere under `dir`: a write that failed or lost a race must have removed its own. */
async function leftoverTempFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((entry) => entry.includes('.s3lo-tmp-'));
}

describeBackendConformance({
  name: 'local',
  async create() {
    const scratch = await mkdtemp(join(tmpdir(), 's3lo-local-conformance-'));
    // An empty bucket, as an S3 bucket is: a directory that does not exist is
    // a missing bucket (local-specific tests cover the first write creating it).
    const bucket = join(scratch, 'bucket');
    await mkdir(bucket);
    return {
      backend: new LocalBackend(bucket),
      async cleanup() {
        const temps = await leftoverTempFiles(bucket);
        await rm(scratch, { recursive: true, force: true });
        if (temps.length > 0) throw new Error(`temporary files left in the bucket: ${temps.join(', ')}`);
      },
    };
  },
  // An empty directory where the key would be: unlink(2) fails with EISDIR.
  // (Running as root, permission bits cannot make a delete fail.)
  async blockDelete(backend, key) {
    const path = join(backend.bucket, ...key.split('/'));
    await mkdir(path, { recursive: true });
    return () => rmdir(path);
  },
  // What a write killed mid-way leaves: its temporary file beside the key, never renamed into place.
  async leavePendingUpload(backend, key) {
    const parts = key.split('/');
    const name = parts.pop() as string;
    const dir = join(backend.bucket, ...parts);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `.${name}.s3lo-tmp-${randomBytes(8).toString('hex')}`), 'half of a blob');
  },
});
