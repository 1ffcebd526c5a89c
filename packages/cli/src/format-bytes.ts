const units = ["KiB", "MiB", "GiB", "TiB"] as const;

/**
 * A byte count for people: `512 B`, `1.0 KiB`, `12.3 MiB` (binary units, one decimal).
 *
 * @example
 * formatBytes(12_897_485); // "12.3 MiB"
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 KiB rounds to "1024.0 KiB": show the next unit instead.
  if (value >= 1023.95 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
