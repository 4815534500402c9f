import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { ErrorCode, S3loError } from '@s3lo/core';
import type { LayerCompression } from '@s3lo/core/oci';

/** Bytes enough to recognise every format {@link sniffCompression} knows. */
export const MAGIC_BYTES = 4;

/**
 * How a layer file is compressed, from its first bytes: gzip starts with
 * `1f 8b`, zstd with `28 b5 2f fd`. `docker save` from newer engines (the
 * containerd image store) stores layers compressed even though the legacy
 * format implies plain tars, so the label comes from the bytes.
 */
export function sniffCompression(head: Uint8Array): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * A stream that decompresses gzip or zstd. zstd is in `node:zlib` from
 * Node 22.15 / 23.8; on older versions it is UNSUPPORTED.
 */
export function createDecompressor(compression: 'gzip' | 'zstd'): Transform {
  if (compression === 'gzip') return zlib.createGunzip();
  const create = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (typeof create !== 'function') {
    throw new S3loError(ErrorCode.UNSUPPORTED, `zstd-compressed layers need Node.js 22.15 or later to decompress (this is ${process.version})`, {
      hint: 'upgrade Node.js',
    });
  }
  return create();
}
