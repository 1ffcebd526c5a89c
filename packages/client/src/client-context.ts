/**
 * What every verb of a client works from: the resolved options, the transport with its auth, one
 * `Remote` per repository (cached, so tokens and mount sources carry over) and the record of where blobs
 * were seen. `createClient` builds one; the verb modules take it as their first argument.
 */
import type { Reference } from "@stevedore/core";
import { registryHost, UsageError } from "@stevedore/core";
import type { Remote } from "@stevedore/remote";
import { createRemote } from "@stevedore/remote";
import type { BlobLocations } from "@stevedore/transfer";
import { createBlobLocations } from "@stevedore/transfer";
import type { ClientTransport } from "./create-client-transport.js";
import { createClientTransport } from "./create-client-transport.js";
import type { ResolvedClientOptions } from "./resolve-client-options.js";

/** The state of one client. */
export interface ClientContext {
  readonly options: ResolvedClientOptions;
  readonly connection: ClientTransport;
  /** Shared by every copy of this client, so pushes mount blobs from repositories seen before. */
  readonly locations: BlobLocations;
  /** The `Remote` of a reference's repository (requests go to `registryHost(reference.registry)`). */
  remote(reference: Pick<Reference, "registry" | "repository">): Remote;
  /** Throws `UsageError` once the client is closed. */
  checkOpen(): void;
  /** Closes the transport; later calls fail. */
  close(): Promise<void>;
}

/** Builds the context of a client from resolved options. */
export function createClientContext(options: ResolvedClientOptions): ClientContext {
  const connection = createClientTransport(options);
  const remotes = new Map<string, Remote>();
  let closed: Promise<void> | undefined;
  const context: ClientContext = {
    options,
    connection,
    locations: createBlobLocations(),
    remote(reference) {
      context.checkOpen();
      const host = registryHost(reference.registry);
      const key = `${host}/${reference.repository}`;
      let remote = remotes.get(key);
      if (remote === undefined) {
        remote = createRemote({
          transport: connection.transport,
          registry: host,
          repository: reference.repository,
        });
        remotes.set(key, remote);
      }
      return remote;
    },
    checkOpen() {
      if (closed !== undefined) throw new UsageError("the client is closed");
    },
    close() {
      closed ??= connection.close().finally(() => remotes.clear());
      return closed;
    },
  };
  return context;
}
