// The main job on the embedded default: an image made on the spot (no
// network, no Docker), pushed to a local:// bucket, listed, inspected,
// pushed again (everything skipped), pulled back and compared, then stats and
// a GC dry run. Everything lands under ./.s3lo-demo/.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { image, PluginRegistry } from '@s3lo/core';
import local from '@s3lo/backend-local';
import archives from '@s3lo/transport-archive';

const root = '.s3lo-demo';
rmSync(root, { recursive: true, force: true });
const registry = new PluginRegistry();
registry.registerBackend(local);
registry.registerTransport(archives);
const options = { registry, signal: AbortSignal.timeout(120_000) };

const layout = join(root, 'layout');
const digestOf = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;
const short = (digest) => digest.slice(0, 19);

function writeBlob(bytes) {
  const digest = digestOf(bytes);
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return digest;
}

/** A gzip layer from files, tarred by the system's tar with fixed metadata so it is reproducible. */
function makeLayer(files) {
  const dir = join(root, 'rootfs-' + Object.keys(files).length);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '-C', dir, '.'], {
    maxBuffer: 64 << 20,
  });
  const gz = gzipSync(tar);
  return { diffId: digestOf(tar), descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: writeBlob(gz), size: gz.length } };
}

mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
const layers = [
  makeLayer({ 'etc/motd': 'hello from s3lo\n', 'usr/share/doc/readme.txt': 'compressible text\n'.repeat(20_000) }),
  makeLayer({ 'opt/app/data.bin': randomBytes(1 << 20), 'opt/app/run.sh': '#!/bin/sh\necho hi\n' }),
];
const config = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/opt/app/run.sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  }),
);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: writeBlob(config), size: config.length },
    layers: layers.map((l) => l.descriptor),
  }),
);
writeFileSync(
  join(layout, 'index.json'),
  JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: writeBlob(manifest),
        size: manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': 'v1' },
      },
    ],
  }),
);
const imageBytes = config.length + layers.reduce((sum, l) => sum + l.descriptor.size, 0);
console.log(`1. made an OCI image on the spot: oci:${layout}:v1 (${layers.length} layers, ${mib(imageBytes)})`);

// `//` ends a bucket directory that is more than one path component deep.
const bucket = `local://./${root}/store//`;
const target = `${bucket}demo/hello:v1`;
const first = await image.push(`oci:${layout}:v1`, target, options);
console.log(`2. push -> ${first.reference}: ${first.blobsCopied} blobs copied (${mib(first.bytesCopied)}), digest ${short(first.digest)}…`);

const again = await image.push(`oci:${layout}:v1`, target, options);
console.log(`3. push again: ${again.blobsCopied} copied, ${again.blobsSkipped} skipped (already in the bucket)`);

await image.copy(target, `${bucket}demo/hello:latest`, options);
for (const { name, tags } of await image.list(bucket, options)) console.log(`4. list: ${name}  ${tags.join(', ')}`);

const info = await image.inspect(target, options);
console.log(`5. inspect: ${info.mediaType}, ${info.layers.length} layers, ${mib(info.totalSize)}, platforms ${info.platforms.map((p) => p.platform).join(', ') || '-'}`);

const pulled = join(root, 'pulled');
await image.pull(target, `oci:${pulled}:v1`, options);
const same = readdirSync(join(layout, 'blobs', 'sha256')).every((hex) =>
  readFileSync(join(layout, 'blobs', 'sha256', hex)).equals(readFileSync(join(pulled, 'blobs', 'sha256', hex))),
);
console.log(`6. pull -> oci:${pulled}:v1: every blob byte-identical to the original: ${same}`);

const archive = join(root, 'hello.tar');
await image.pull(target, `docker-archive:${archive}:demo/hello:v1`, options);
console.log(`7. pull -> docker-archive:${archive} (the docker save format)`);

const s = await image.stats(bucket, options);
console.log(`8. stats: ${s.images} image(s), ${s.tags} tags, ${s.uniqueBlobs} unique blobs, logical ${mib(s.logicalBytes)}, stored ${mib(s.actualBytes)}, saved ${mib(s.savedBytes)}`);

const dry = await image.gc(bucket, { ...options, dryRun: true });
console.log(`9. gc (dry run): scanned ${dry.scanned} blobs, ${dry.candidates} unreferenced, would delete ${dry.deleted}`);

if (!same) process.exitCode = 1;
