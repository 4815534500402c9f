import type { BackendOptions } from '@s3lo/core/storage';
import type { OptionValues } from '../commands/command.js';
import { UsageError } from '../errors/usage-error.js';
import { parseDuration } from './duration.js';

// Readers of the flags every store command shares. Apart from values.ts
// (references, platforms), which needs the library: these run for every
// command, so they must not load it.

/** A duration flag (`--timeout`, `--grace`), in ms. */
export function readDuration(values: OptionValues, name: 'timeout' | 'grace'): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  return parseDuration(String(text), `--${name}`);
}

/**
 * `--endpoint` and `--region` as backend options (`--store-option` is read
 * by `readStoreOptions`). The endpoint must be a full http(s) URL: a bare
 * host would be read as a path by some SDKs and silently go to AWS instead.
 */
export function readBackendOptions(values: OptionValues): BackendOptions {
  const options: Record<string, string> = {};
  if (values.endpoint !== undefined) {
    const text = String(values.endpoint);
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
      throw new UsageError(`--endpoint ${JSON.stringify(text)} is not an http:// or https:// URL`, { hint: 'write it in full, e.g. --endpoint http://127.0.0.1:9000' });
    }
    options['endpoint'] = text;
  }
  if (values.region !== undefined) {
    const text = String(values.region);
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(text)) throw new UsageError(`--region ${JSON.stringify(text)} is not a region name`, { hint: 'e.g. --region eu-west-1' });
    options['region'] = text;
  }
  return options;
}
