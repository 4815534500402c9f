/**
 * Left-aligned columns separated by two spaces, the last column unpadded
 * (no trailing blanks). Width is measured in code points, which is right
 * for everything a bucket can name (image names and tags are ASCII).
 */
export function table(header: readonly string[] | undefined, rows: readonly (readonly string[])[]): string {
  const all = header === undefined ? rows : [header, ...rows];
  if (all.length === 0) return '';
  const columns = Math.max(...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] as number) - [...cell].length)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `label  value` pairs with the labels padded to one width. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  return table(
    undefined,
    pairs.map(([k, v]) => [`${k}:`, v]),
  );
}
