import type { RegistryMode } from "./start-registry.ts";

/**
 * A registry started by the global setup, as tests receive it through `inject(...)`. Only plain data:
 * values cross from the vitest main process to the test workers.
 */
export interface ProvidedRegistry {
  mode: RegistryMode;
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Users and passwords the registry accepts (empty for the open registry). */
  users: Record<string, string>;
}

/** The token-auth registry, with what a client needs to talk to its token server directly. */
export interface ProvidedTokenRegistry extends ProvidedRegistry {
  /** The token endpoint (`http://127.0.0.1:PORT/token`); `GET /requests` beside it lists recorded requests. */
  realm: string;
  service: string;
  issuer: string;
}
