import type { GcWaitEvent } from '@s3lo/core/image';
import { formatDuration } from '../args/duration.js';

/**
 * The line a push prints on stderr for what it learns about GC runs before
 * writing its tag: which run it waits for, since when, until when, and how
 * to clear a marker a killed clean left behind; markers it obeys only up
 * to the protocol's limit or not at all. One line per event (the library
 * reports each marker once). `bucket` is the bucket-level reference
 * (`s3://my-bucket/`).
 */
export function gcWaitLine(event: GcWaitEvent, bucket: string): string {
  switch (event.type) {
    case 'waiting': {
      const { run } = event;
      const since = run.started === undefined ? `last written ${run.lastModified.toISOString()}` : `started ${run.started.toISOString()}`;
      return (
        `waiting for garbage collection run ${run.key} in ${bucket} (${since}) to finish before writing the tag; ` +
        `its marker expires ${run.expires.toISOString()} unless the run renews it. ` +
        `If no s3lo clean is running on this bucket, it is a leftover of a killed one: delete ${run.key} from the bucket to go on now`
      );
    }
    case 'waited':
      return `done waiting for garbage collection (${formatDuration(event.until.getTime() - event.since.getTime())}); checking the blobs again before writing the tag`;
    case 'capped': {
      const { run } = event;
      return (
        `warning: GC marker ${run.key} in ${bucket} says it lasts until ${run.writtenExpires?.toISOString() ?? '?'}, longer than a GC run may hold pushes; ` +
        `it counts only until ${run.expires.toISOString()} (10 minutes after it was last written). If no s3lo clean is running, delete it`
      );
    }
    case 'unreadable': {
      const { run } = event;
      return (
        `warning: ignoring ${run.key} in ${bucket}: it is not a GC-run marker s3lo writes (${run.unreadable ?? 'unreadable'}); ` +
        `delete it, or let s3lo clean --confirm remove it after ${run.expires.toISOString()}`
      );
    }
  }
}
