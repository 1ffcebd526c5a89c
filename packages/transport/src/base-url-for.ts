/**
 * Picks the scheme for a registry host: plain HTTP for hosts the caller names (or every host with
 * `plainHttp: true`) and for loopback hosts (unless turned off; `send` still tries HTTPS first there), HTTPS
 * for everything else (`spec/PROTOCOL.md` §1: the base is `https://<host>/v2/`).
 */
import { isLoopbackHost } from "@stevedore/core";
import { findHostOptions, normalizeHostKey } from "./host-match.js";
import { plainHttpSettings } from "./resolve-options.js";
import type { TransportOptions } from "./transport-options.js";

/** The options {@link baseUrlFor} reads; a whole `TransportOptions` object fits. */
export type BaseUrlOptions = Pick<TransportOptions, "hosts" | "plainHttp">;

/**
 * The origin URL of a registry (`https://registry.example.com/`, `http://localhost:5000/`). API paths
 * (`/v2/…`) resolve against it. Throws `UsageError` when `registryHost` is not `host` or `host:port`.
 *
 * @example
 * baseUrlFor("localhost:5000").href; // "http://localhost:5000/"
 * baseUrlFor("registry.local", { plainHttp: ["registry.local"] }).href; // "http://registry.local/"
 * new URL("/v2/", baseUrlFor("ghcr.io")).href; // "https://ghcr.io/v2/"
 */
export function baseUrlFor(registryHost: string, options: BaseUrlOptions = {}): URL {
  const key = normalizeHostKey(registryHost, "registry host");
  const url = new URL(`https://${key}/`);
  const hosts = new Map<string, { plainHttp?: boolean }>();
  for (const [name, value] of Object.entries(options.hosts ?? {}))
    hosts.set(normalizeHostKey(name, "hosts"), value);
  const plainHttp = plainHttpSettings(options.plainHttp);
  const listed = typeof plainHttp.hosts === "boolean" ? [] : plainHttp.hosts;
  const named = new Set(listed.map((host) => normalizeHostKey(host, "plainHttp")));
  const explicit = findHostOptions(hosts, url)?.plainHttp;
  const plain =
    explicit ??
    (plainHttp.hosts === true ||
      named.has(key) ||
      named.has(url.hostname) ||
      (plainHttp.loopback && isLoopbackHost(url.hostname)));
  return plain ? new URL(`http://${key}/`) : url;
}
