import type { TargetCallOptions } from "@stevedore/core";
import { headerValue } from "./header-value.js";
import type { RemoteContext } from "./remote-context.js";
import { sendRoute } from "./send-route.js";

/** What the registry said to `GET /v2/`. */
export interface PingResult {
  /** `Docker-Distribution-API-Version` (`registry/2.0`), when sent; informative only (§3.1 end-1). */
  apiVersion: string | undefined;
}

/**
 * Checks that the registry speaks the distribution API (`GET /v2/`, end-1; `spec/PROTOCOL.md` §3.1). The
 * transport's auth strategy answers a 401 challenge on the way, so a resolved ping also means the
 * credentials (if any) were accepted. The body is ignored. Failures are the transport's errors
 * (`RegistryResponseError` with status 401 when the registry refuses, 404 when it is no registry).
 */
export async function ping(context: RemoteContext, options: TargetCallOptions = {}): Promise<PingResult> {
  const response = await sendRoute(context, "ping", {}, { signal: options.signal });
  await response.dump();
  return { apiVersion: headerValue(response.headers["docker-distribution-api-version"]) };
}
