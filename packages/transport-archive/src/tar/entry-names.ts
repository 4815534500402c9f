/**
 * Entry names as tar headers carry them are untrusted text. Nothing is ever
 * extracted by name here, but a name that means something different to a
 * tool that does extract (an absolute path, `..`, a Windows separator) marks
 * a hostile or broken archive, and it is refused before anything is read.
 */

/** A normalised entry name, or what is wrong with the raw one. */
export type NameCheck = { readonly name: string } | { readonly problem: string };

/**
 * Normalises a header name: `./` prefixes, repeated `/`, `.` components and
 * a trailing `/` are dropped, so `./blobs//sha256/x` is `blobs/sha256/x`
 * and the archive root (`./`) is the empty name. Refused: absolute names, a
 * `..` component (even one that would stay inside: tools disagree about
 * them), backslashes and drive letters (separators and roots on Windows),
 * and control characters.
 */
export function normaliseEntryName(raw: string): NameCheck {
  if (raw.startsWith('/')) return { problem: 'it is an absolute path' };
  if (raw.includes('\\')) return { problem: 'it contains a backslash, a path separator on Windows' };
  if (/^[A-Za-z]:/.test(raw)) return { problem: 'it starts with a Windows drive letter' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { problem: 'it contains control characters' };
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { problem: 'it has a ".." component' };
    parts.push(part);
  }
  return { name: parts.join('/') };
}

/**
 * Where a link entry points, as an entry name, or why it points nowhere
 * usable. A symlink's target is relative to the link's directory; a hard
 * link names another member of the archive from the archive root. Targets
 * may use `..` as long as they stay inside the archive
 * (`<id>/layer.tar -> ../<other-id>/layer.tar`, what `docker save` writes).
 */
export function resolveLinkTarget(linkName: string, target: string, kind: 'symlink' | 'hardlink'): NameCheck {
  if (target === '') return { problem: 'the link has an empty target' };
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return { problem: `it points outside the archive, to the absolute path ${JSON.stringify(target)}` };
  if (target.includes('\\')) return { problem: 'its target contains a backslash, a path separator on Windows' };
  const parts = kind === 'symlink' ? linkName.split('/').slice(0, -1) : [];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { problem: `it points outside the archive (${JSON.stringify(target)} climbs above the archive root)` };
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  if (parts.length === 0) return { problem: 'it points at the archive root' };
  return { name: parts.join('/') };
}
