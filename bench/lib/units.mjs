// Sizes and number formatting shared by the bench scripts.

const UNITS = { b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };

/** "1GiB", "512MiB", "1.5GiB", "1000000" -> bytes. */
export function parseSize(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(text));
  const unit = match && UNITS[(match[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) throw new Error(`not a size: ${JSON.stringify(text)} (try 1GiB, 512MiB)`);
  return Math.round(Number(match[1]) * unit);
}

export function formatBytes(n) {
  if (n >= 2 ** 30) return `${+(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${+(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A short label for a size, usable in paths: 1GiB, 512MiB. */
export function sizeLabel(n) {
  if (n % 2 ** 30 === 0) return `${n / 2 ** 30}GiB`;
  if (n % 2 ** 20 === 0) return `${n / 2 ** 20}MiB`;
  return `${n}B`;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
