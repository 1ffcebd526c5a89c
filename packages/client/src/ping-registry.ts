import type { Transport } from "@stevedore/transport";

/**
 * `GET /v2/` (`spec/PROTOCOL.md` §3.1 end-1): the registry speaks the distribution API, and — since the
 * transport answers a 401 challenge on the way — accepted the credentials, if it asked for any.
 */
export async function pingRegistry(transport: Transport, host: string, signal?: AbortSignal): Promise<void> {
  const response = await transport.send({
    method: "GET",
    url: new URL("/v2/", transport.baseUrl(host)),
    scopes: [],
    ...(signal === undefined ? {} : { signal }),
  });
  await response.dump();
}
