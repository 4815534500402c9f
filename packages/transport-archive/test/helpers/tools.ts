import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs a tool; its stderr goes into the error when it fails. */
export async function run(command: string, args: readonly string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: unknown };
    if (code === 'ENOENT') {
      throw new Error(`${command} is not installed; these tests use skopeo and umoci as independent tools (Debian: apt-get install -y skopeo umoci)`);
    }
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr ?? String(error)}`);
  }
}

/** What {@link makeImage} built: an OCI layout with one tagged image. */
export interface BuiltImage {
  readonly layout: string;
  readonly tag: string;
  readonly manifestDigest: string;
  readonly manifestBytes: Buffer;
  readonly configDigest: string;
  readonly configBytes: Buffer;
  readonly layerDigests: readonly string[];
}

/**
 * Builds a small two-layer linux/amd64 image with umoci (an independent
 * implementation) in `<dir>/layout`, tagged `tag`.
 */
export async function makeImage(dir: string, tag = 'v1'): Promise<BuiltImage> {
  const layout = join(dir, 'layout');
  const first = join(dir, 'bundle-1');
  const second = join(dir, 'bundle-2');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:${tag}`]);
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:${tag}`, first]);
  await run('sh', ['-c', `mkdir -p '${first}/rootfs/etc' && echo hello > '${first}/rootfs/hello.txt' && echo world > '${first}/rootfs/etc/motd'`]);
  await run('umoci', ['repack', '--image', `${layout}:${tag}`, first]);
  // A second layer on top of the first: a new file, and a deletion (a whiteout).
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:${tag}`, second]);
  await run('sh', ['-c', `head -c 200000 /dev/urandom > '${second}/rootfs/random.bin' && rm '${second}/rootfs/hello.txt'`]);
  await run('umoci', ['repack', '--image', `${layout}:${tag}`, second]);
  await run('umoci', ['config', '--image', `${layout}:${tag}`, '--architecture', 'amd64', '--os', 'linux', '--config.cmd', '/bin/sh']);
  await run('umoci', ['gc', '--layout', layout]);
  return describeLayout(layout, tag);
}

/** Reads back the tagged image of an OCI layout directory. */
export async function describeLayout(layout: string, tag: string): Promise<BuiltImage> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (entry === undefined) throw new Error(`no ${tag} in ${layout}`);
  const manifestBytes = await readFile(blobPath(layout, entry.digest));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  return {
    layout,
    tag,
    manifestDigest: entry.digest,
    manifestBytes,
    configDigest: manifest.config.digest,
    configBytes: await readFile(blobPath(layout, manifest.config.digest)),
    layerDigests: manifest.layers.map((l) => l.digest),
  };
}

export function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}
