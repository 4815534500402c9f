/** Every flag `s3lo` knows. Which command takes which is in its definition. */
export type OptionName =
  | 'output'
  | 'quiet'
  | 'verbose'
  | 'help'
  | 'timeout'
  | 'endpoint'
  | 'region'
  | 'store-option'
  | 'platform'
  | 'concurrency'
  | 'force'
  | 'confirm'
  | 'grace'
  | 'repair'
  | 'verify-existing';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** May be given more than once (values collect in order). */
  readonly multiple?: boolean;
  /** The value's placeholder in help, e.g. `<duration>`. */
  readonly value?: string;
  /** The values it accepts, for help and shell completion. */
  readonly choices?: readonly string[];
  readonly help: string;
}

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const OPTIONS: Readonly<Record<OptionName, OptionSpec>> = {
  output: { type: 'string', short: 'o', value: 'format', choices: OUTPUT_FORMATS, help: 'text (default, for people), json or yaml (one document on stdout)' },
  quiet: { type: 'boolean', short: 'q', help: 'no progress display and no notes on stderr (results and errors still print)' },
  verbose: { type: 'boolean', short: 'v', help: 'more detail: a line per blob, error codes, details and stack traces' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  timeout: { type: 'string', value: 'duration', help: 'give up after this long (30s, 10m, 1h30m): exit 1, nothing committed' },
  endpoint: { type: 'string', value: 'url', help: 'endpoint of an S3-compatible store (http:// or https://), e.g. MinIO, R2, Ceph' },
  region: { type: 'string', value: 'region', help: "the store's region, where it has one" },
  'store-option': {
    type: 'string',
    multiple: true,
    value: 'name=value',
    help: "an option of the store's backend, e.g. conditionalCreate=true (repeatable; see its docs)",
  },
  platform: {
    type: 'string',
    multiple: true,
    value: 'os/arch[/variant]',
    help: 'copy only these platforms of a multi-platform image (repeat or comma-separate); default: all',
  },
  concurrency: { type: 'string', value: 'n', help: 'blobs moved at once (default 4)' },
  force: { type: 'boolean', help: "overwrite a tag even if the bucket's s3lo.yaml marks the image immutable" },
  confirm: { type: 'boolean', help: 'really delete (without it, clean only reports what it would delete)' },
  grace: { type: 'string', value: 'duration', help: 'keep unreferenced blobs younger than this (default 1h; 0s keeps none)' },
  repair: { type: 'boolean', help: 'delete the corrupt blobs found, so the next push uploads them again' },
  'verify-existing': {
    type: 'boolean',
    help: 'with a bucket destination: re-hash the blobs it already has instead of trusting their size, and rewrite corrupt ones',
  },
};

/** Flags every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ['output', 'quiet', 'verbose', 'help'];

/** Flags of every command that talks to a store. */
export const STORE_OPTIONS: readonly OptionName[] = ['endpoint', 'region', 'store-option', 'timeout'];

/** `--flag` or `-f, --flag`, with its value placeholder: how help and errors spell a flag. */
export function flagLabel(name: OptionName): string {
  const spec = OPTIONS[name];
  const long = `--${name}`;
  const value = spec.value === undefined ? '' : ` <${spec.value}>`;
  return `${spec.short === undefined ? '    ' : `-${spec.short}, `}${long}${value}`;
}
