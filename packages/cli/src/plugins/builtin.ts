/**
 * The first-party plugins compiled into `s3lo` (and into the single-file
 * bundle). Each is loaded only when a command uses one of its schemes or
 * location kinds, so a heavy SDK (AWS, Azure, Google) costs nothing to a
 * command that does not touch it. Adding a backend is one line here plus a
 * dependency in package.json, e.g.
 *   { name: '@s3lo/backend-s3', kind: 'backend', serves: ['s3'], load: () => import('@s3lo/backend-s3') },
 * (`serves` must equal the plugin's own `schemes`/`locations`; a test checks.)
 */
export interface FirstPartyPlugin {
  readonly name: string;
  readonly kind: 'backend' | 'transport';
  /** Schemes (backends) or location kinds (transports) it serves. */
  readonly serves: readonly string[];
  readonly load: () => Promise<{ readonly default: unknown }>;
}

export const FIRST_PARTY_PLUGINS: readonly FirstPartyPlugin[] = [
  { name: '@s3lo/backend-local', kind: 'backend', serves: ['local'], load: () => import('@s3lo/backend-local') },
  { name: '@s3lo/backend-s3', kind: 'backend', serves: ['s3'], load: () => import('@s3lo/backend-s3') },
  { name: '@s3lo/backend-gcs', kind: 'backend', serves: ['gs'], load: () => import('@s3lo/backend-gcs') },
  { name: '@s3lo/backend-azure', kind: 'backend', serves: ['az'], load: () => import('@s3lo/backend-azure') },
  { name: '@s3lo/transport-archive', kind: 'transport', serves: ['oci-archive', 'docker-archive'], load: () => import('@s3lo/transport-archive') },
];
