// A third-party backend as the s3lo CLI sees one: a package, found by name at
// run time, whose default export is a BackendPlugin. It is plain JavaScript
// with no build step, and its "exports" offer only an "import" condition, so
// the CLI's loader must resolve ESM-only packages (require.resolve cannot).
//
// memfs://<bucket>/... is kept in the directory $S3LO_MEMFS_ROOT/<bucket>,
// delegated to the local backend, so what one CLI run writes the next one
// reads. The name says "mem" because a real one would be in memory; a
// process-local store could not be checked across CLI invocations.
import { join } from 'node:path';
import local from '@s3lo/backend-local';

/** @type {import('@s3lo/core/storage').BackendPlugin} */
export const plugin = {
  kind: 'backend',
  contractVersion: 1,
  name: 's3lo-backend-memfs',
  schemes: ['memfs'],
  create(bucket, options) {
    const root = process.env.S3LO_MEMFS_ROOT;
    if (root === undefined || root === '') throw new Error('s3lo-backend-memfs needs S3LO_MEMFS_ROOT (a directory)');
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket)) throw new Error(`memfs bucket names are [a-z0-9.-], got ${JSON.stringify(bucket)}`);
    return local.create(join(root, bucket), options);
  },
};

export default plugin;
