import { AuthenticationError, InvalidHeaderError, redactUrl } from "@stevedore/core";
import { isPlainHttpAllowed } from "../is-loopback-host.js";

/**
 * Turns a Bearer challenge's `realm` into the token service URL. The realm may live on another host than the
 * registry (Docker Hub's is `auth.docker.io`), which is normal; a relative realm is resolved against the
 * request. User info and fragments are dropped so nothing but our own credentials is ever sent.
 *
 * @throws InvalidHeaderError when the realm is not an http(s) URL.
 */
export function parseRealm(realm: string, requestUrl: URL): URL {
  let url: URL;
  try {
    url = new URL(realm, requestUrl);
  } catch {
    throw new InvalidHeaderError("WWW-Authenticate", "the Bearer realm is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidHeaderError(
      "WWW-Authenticate",
      `the Bearer realm uses unsupported scheme ${url.protocol}`,
    );
  }
  url.username = "";
  url.password = "";
  url.hash = "";
  return url;
}

/**
 * Refuses a token realm over plain HTTP unless its host is loopback, listed in `plainHttpHosts`, or
 * `plainHost` (the registry's own `host`, when the transport speaks plain HTTP to it by the caller's choice):
 * credentials and tokens would cross the network in clear text (`spec/PROTOCOL.md` §11.1).
 *
 * @throws AuthenticationError naming the registry and the realm.
 */
export function checkRealm(
  realm: URL,
  registry: string,
  plainHttpHosts: readonly string[],
  plainHost?: string,
): void {
  if (realm.protocol === "https:" || isPlainHttpAllowed(realm, plainHttpHosts)) return;
  if (plainHost !== undefined && realm.host.toLowerCase() === plainHost.toLowerCase()) return;
  throw new AuthenticationError(
    registry,
    `the token realm ${redactUrl(realm)} uses plain HTTP, so credentials and tokens would travel unencrypted; ` +
      `refusing it (allow it with plainHttpHosts: ["${realm.host}"] if this is intended)`,
  );
}
