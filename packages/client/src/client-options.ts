import type { CredentialProvider, Platform, ProgressEvent } from "@stevedore/core";
import type { TransportOptions } from "@stevedore/transport";

/** Options of `createClient`. All are optional; the defaults suit a command line tool on a developer machine. */
export interface ClientOptions {
  /**
   * Where credentials come from. Default: Docker's config (`DOCKER_AUTH_CONFIG`, `$DOCKER_CONFIG/config.json`
   * with `credsStore` and `credHelpers`), then podman's `auth.json`, both read with {@link env}.
   * `false`: anonymous, apart from {@link staticCredentials}.
   */
  credentials?: CredentialProvider | false;
  /** Credentials per registry host (the CLI's `-u` / `--password-stdin`), tried before {@link credentials}. */
  staticCredentials?: Record<string, { username: string; password: string }>;
  /** Environment variables for credential files, helpers and proxies. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Skip TLS certificate verification: `true` for every host, or a list of `host[:port]`. */
  insecure?: boolean | readonly string[];
  /** Hosts spoken to over plain HTTP besides loopback ones (which always are). `true`: every host. */
  plainHttp?: boolean | readonly string[];
  /** PEM files with extra certificate authorities, read once by `createClient`. */
  caFiles?: readonly string[];
  /**
   * Which images of an index pulls, pushes and copies take. Default: every one — the copy is whole and keeps
   * the source's digest (as `"all"`). A docker archive holds one image: without a single platform here or
   * per call, it gets `linux/<this CPU>` (core's `defaultPlatforms`).
   */
  platforms?: readonly Platform[] | "all";
  /** Blobs copied at once. Default: `defaultConcurrency` of `@stevedore/transfer`. */
  concurrency?: number;
  /**
   * Offer HTTP/2 on TLS connections (the registry picks h2 or HTTP/1.1 by ALPN). Default `true`; `false`:
   * HTTP/1.1 only. Plain HTTP and proxied connections are HTTP/1.1 either way (docs/decisions/0009).
   */
  http2?: boolean;
  /** Use `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` from {@link env}. Default `true`. */
  environmentProxies?: boolean;
  /** Progress of every copy (per-call `onProgress` replaces it). */
  onProgress?: (event: ProgressEvent) => void;
  /** One redacted line per request, retry, challenge and auth decision. Never holds a secret. */
  onDebug?: (line: string) => void;
  /** Each distinct `Warning` header text a registry sends. */
  onWarning?: (warning: string) => void;
  /** Merged over the transport options the client builds (retry knobs, `clock`, a `dispatcher` in tests). */
  transport?: Partial<TransportOptions>;
}
