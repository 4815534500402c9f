import { STORE_OPTIONS } from '../args/options.js';
import type { CommandDefinition } from './command.js';

// What `s3lo --help`, the parser and completion need to know of every
// command, without loading what the commands do: each `load` imports its
// command's module (and through it the library) only when it runs. Keeping
// this table free of `@s3lo/core` is what lets `--help` and `--version`
// start in about the time of `node -e 0` (bench/startup.mjs).

const TRANSFER_OPTIONS = ['platform', 'concurrency', 'verify-existing', ...STORE_OPTIONS] as const;

/** Every command, in the order `s3lo --help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [
  {
    name: 'push',
    summary: 'push an image into a bucket',
    arguments: '<source> <destination>',
    description: `Copies an image into a bucket: every blob the bucket lacks (verified against its digest while it streams), then the tag, written last. Blobs already in the bucket are skipped.

<source> is an image of the local Docker Engine (name:tag or docker-daemon:name:tag; needs a docker-daemon transport plugin: @s3lo/transport-docker is planned, not published yet), an OCI layout (oci:<dir>[:<tag>]), an archive (oci-archive:<file>[:<tag>], docker-archive:<file>[:<name:tag>]) or another bucket image. <destination> is a bucket image with an explicit tag: <scheme>://<bucket>/<image>:<tag>.

--force: when the bucket's s3lo.yaml (the Go s3lo's configuration) marks the image immutable, an existing tag is only overwritten with --force. Pushing the same image again is never refused.

--verify-existing: re-hash every blob the bucket already has (a read of each) instead of trusting it because its size is right, and upload again the corrupt ones; the result counts them (blobsRepaired). See also s3lo verify.`,
    examples: ['s3lo push oci:./layout:v1 s3://my-bucket/team/app:v1', 's3lo push docker-archive:app.tar local://./store/app:v1 --platform linux/amd64'],
    positionals: ['source', 'destination'],
    options: [...TRANSFER_OPTIONS, 'force'],
    load: () => import('./transfer.js').then((m) => m.push),
  },
  {
    name: 'pull',
    summary: 'pull an image out of a bucket',
    arguments: '<source> <destination>',
    description: `Copies an image out of a bucket to an OCI layout (oci:<dir>[:<tag>]), an archive (oci-archive:<file>[:<tag>], docker-archive:<file>[:<name:tag>]), the local Docker Engine (name:tag; needs a docker-daemon transport plugin: @s3lo/transport-docker is planned, not published yet) or another bucket. Every blob is verified against its digest while it streams. Without a tag the source is <image>:latest.`,
    examples: ['s3lo pull s3://my-bucket/team/app:v1 oci:./layout:v1', 's3lo pull local://./store/app:v1 docker-archive:app.tar:app:v1'],
    positionals: ['source', 'destination'],
    options: [...TRANSFER_OPTIONS, 'force'],
    optionHelp: { force: 'with a bucket destination: overwrite a tag its s3lo.yaml marks immutable' },
    load: () => import('./transfer.js').then((m) => m.pull),
  },
  {
    name: 'copy',
    aliases: ['cp'],
    summary: 'copy an image between any two locations',
    arguments: '<source> <destination>',
    description: `Copies an image from any location to any other: buckets (across stores too), OCI layouts, archives, registries (with a registry transport plugin; @s3lo/transport-registry is planned, not published yet). A bare name here is a registry image (Docker's rules), as in skopeo. A bucket destination needs an explicit tag.

--force: as for push, overwrite a tag the destination bucket's s3lo.yaml marks immutable.`,
    examples: ['s3lo copy s3://staging/app:v1 s3://prod/app:v1', 's3lo copy local://./store/app:v1 oci-archive:app.tar:v1'],
    positionals: ['source', 'destination'],
    options: [...TRANSFER_OPTIONS, 'force'],
    load: () => import('./transfer.js').then((m) => m.copy),
  },
  {
    name: 'list',
    aliases: ['ls'],
    summary: 'list the images and tags in a bucket',
    arguments: '<bucket>',
    description: `Lists the images of a bucket and their tags, sorted. A name filter narrows it to whole path components: s3://bucket/team/ lists team and team/..., never teams. Only keys are listed; no object is read.`,
    examples: ['s3lo list s3://my-bucket', 's3lo ls local://./store/team/ -o json'],
    positionals: ['bucket'],
    options: STORE_OPTIONS,
    load: () => import('./list.js').then((m) => m.list),
  },
  {
    name: 'inspect',
    summary: 'describe an image in a bucket: digest, layers, platforms',
    arguments: '<image>',
    description: `Shows an image of a bucket: its digest (in full), media type, tags, size, config and layers, and for a multi-platform image each platform with its own digest and size. Attestations (platform unknown/unknown) are listed and marked. <image> is <scheme>://<bucket>/<image>[:<tag>|@sha256:<digest>]; without either it is :latest.`,
    examples: ['s3lo inspect s3://my-bucket/team/app:v1', 's3lo inspect local://./store/app@sha256:<digest> -o json'],
    positionals: ['image'],
    options: STORE_OPTIONS,
    load: () => import('./inspect.js').then((m) => m.inspect),
  },
  {
    name: 'delete',
    aliases: ['rm'],
    summary: 'delete a tag (blobs stay until clean)',
    arguments: '<image>',
    description: `Deletes a tag: its manifest and the records kept beside it (never another image's tags: deleting team:app keeps team/app:v1). Blobs stay, since other tags may share them; 'clean' reclaims those nothing references any more. <image> needs an explicit :<tag>, or @sha256:<digest> to delete every tag of the image holding that digest.

--force: delete even when the bucket's s3lo.yaml marks the image immutable.`,
    examples: ['s3lo delete s3://my-bucket/team/app:v1', 's3lo rm local://./store/app@sha256:<digest>'],
    positionals: ['image'],
    options: ['force', ...STORE_OPTIONS],
    optionHelp: { force: "delete even if the bucket's s3lo.yaml marks the image immutable" },
    load: () => import('./delete.js').then((m) => m.remove),
  },
  {
    name: 'clean',
    aliases: ['gc'],
    summary: 'garbage-collect blobs no tag references (dry run unless --confirm)',
    arguments: '<bucket>',
    description: `Finds the blobs of a bucket that no tag references and no running push has leased, and that are older than the grace period, and deletes them with --confirm. Without --confirm nothing is deleted: it reports exactly what a real run would delete. Safe while pushes run. Works on the whole bucket (blobs are shared by every image), so a name filter is refused.

It also finds what killed pushes and killed cleans leave behind, and removes it with --confirm: push leases that expired (a running push renews its own every 5 minutes; a dead push's lease expires 15 minutes after its last renewal), GC markers that expired (gc-runs/), and pending uploads older than the grace period that no running push owns (abandoned S3 multipart uploads, temporary files of interrupted local:// writes).`,
    examples: ['s3lo clean s3://my-bucket', 's3lo clean local://./store --confirm --grace 0s'],
    positionals: ['bucket'],
    options: ['confirm', 'grace', ...STORE_OPTIONS],
    load: () => import('./clean.js').then((m) => m.clean),
  },
  {
    name: 'stats',
    summary: 'count images, tags and blobs, and what deduplication saves',
    arguments: '<bucket>',
    description: `Counts the images and tags of a bucket (or of a name filter: s3://bucket/team/), the blobs it stores, the logical size of its tags (each tag counted in full) and the bytes actually stored; the difference is what deduplication saves. Blob counts always cover the whole bucket, since blobs are shared.`,
    examples: ['s3lo stats s3://my-bucket', 's3lo stats local://./store -o json'],
    positionals: ['bucket'],
    options: STORE_OPTIONS,
    load: () => import('./stats.js').then((m) => m.stats),
  },
  {
    name: 'verify',
    summary: 're-hash stored blobs and manifests; report (and --repair) corrupt or missing ones',
    arguments: '<bucket>[/<image>[:<tag>]]',
    description: `Reads back what a bucket stores and checks it: every blob is re-hashed (streamed, several at once) against the digest in its key and the sizes its descriptors state, every manifest is parsed, and every blob a tag reaches must be there. Reports the corrupt blobs, the missing ones, the manifests that cannot be read, and the tags each of them breaks (a tag with a missing blob is "dangling").

A push skips a blob that is already in the bucket with the right size (--force too), and clean keeps it while a tag references it: a corrupt blob of the right size is found by verify, or by a pull that fails. Heal it with --repair (then push the named tags again), or with push --verify-existing.

<bucket> alone (s3://my-bucket) checks every tag and every blob under blobs/sha256/, referenced or not; a name filter (s3://my-bucket/team/) the tags of those images and the blobs they reach; an image (s3://my-bucket/team/app:v1, or @sha256:<digest>) that tag or the tags holding that digest.

--repair deletes every blob whose bytes do not hash to its key (each re-hashed right before its delete; never a sound blob), so that the next push of an image that needs it uploads it again. It prints the tags that stay broken until then. Pushes about to write a tag wait while it deletes, as they wait for clean, and upload again what it removed.

Exit code: 0 when everything checked is sound; 1 when anything is corrupt, missing, dangling or unreadable (after --repair too: the tags stay broken until pushed again), or when verify itself failed.`,
    examples: ['s3lo verify s3://my-bucket', 's3lo verify s3://my-bucket/team/app:v1 -o json', 's3lo verify local://./store --repair'],
    positionals: ['bucket'],
    options: ['repair', 'concurrency', ...STORE_OPTIONS],
    optionHelp: { concurrency: 'blobs hashed at once (default 4)' },
    load: () => import('./verify.js').then((m) => m.verify),
  },
  {
    name: 'version',
    summary: 'show the version (-v: also Node.js and every plugin)',
    arguments: '',
    description: `Prints the version of s3lo on one line (as --version does). With -v, or -o json|yaml, also the version of Node.js and every plugin: the built-in ones, those named in S3LO_PLUGINS, and the installed packages s3lo would load for a scheme by their name (@s3lo/backend-<scheme>, s3lo-backend-<scheme>), with the schemes and locations each serves.`,
    examples: ['s3lo --version', 's3lo version -v', 's3lo version -o json'],
    positionals: [],
    options: [],
    usesPlugins: false,
    load: () => import('./version.js').then((m) => m.version),
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh, fish)',
    arguments: '<shell>',
    description: `Prints a completion script for bash, zsh or fish: commands, flags, -o formats and common platforms. Load it with:

  bash:  source <(s3lo completion bash)        (or save it in /etc/bash_completion.d/s3lo)
  zsh:   s3lo completion zsh > "\${fpath[1]}/_s3lo"
  fish:  s3lo completion fish > ~/.config/fish/completions/s3lo.fish`,
    examples: ['s3lo completion bash > /etc/bash_completion.d/s3lo'],
    positionals: ['shell'],
    options: [],
    usesPlugins: false,
    load: () => import('./completion.js').then((m) => m.completion),
  },
];
