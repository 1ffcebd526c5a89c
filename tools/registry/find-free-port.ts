import { type AddressInfo, createServer } from "node:net";

/**
 * Asks the kernel for a free loopback port by listening on port 0 and closing again. Another process may
 * take the port before the caller binds it, so callers retry on "address already in use".
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
