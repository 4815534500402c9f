/**
 * A digest cut to 12 hex characters (`sha256:abcdef123456`), as `docker
 * images` shows IDs: enough to tell images apart in a table. Full digests
 * are in inspect's header and in every `-o json|yaml` document.
 */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  if (colon < 0) return digest.slice(0, 12);
  return digest.slice(0, colon + 1 + 12);
}
