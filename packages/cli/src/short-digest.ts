/**
 * A digest shortened for progress lines and tables: the algorithm and the first 12 hex digits, then `…`.
 *
 * @example
 * shortDigest("sha256:abcdef0123456789…"); // "sha256:abcdef012345…"
 */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(":");
  if (colon === -1 || digest.length <= colon + 13) return digest;
  return `${digest.slice(0, colon + 13)}…`;
}
