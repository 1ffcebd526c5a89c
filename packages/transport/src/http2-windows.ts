/**
 * The HTTP/2 flow-control windows offered to a server, in bytes: each stream's (SETTINGS_INITIAL_WINDOW_SIZE)
 * and the connection's. With undici's (256 KiB and 512 KiB) a registry sends a large blob in small rounds,
 * each waiting for the client's WINDOW_UPDATE (docs/decisions/0026-tls-large-pulls.md). No imports: the
 * bench's floor of a pull (tools/bench/tls-path-child.ts) offers the same.
 */
export const http2Windows: { readonly stream: number; readonly connection: number } = {
  stream: 1024 * 1024,
  connection: 2 * 1024 * 1024,
};
