import type { Client } from "@stevedore/client";
import { parseReference, type Reference } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";
import { hasLocalTransport } from "./location-registries.js";

/**
 * `input` parsed as a registry reference, and a client for that registry (so `-u` credentials reach it
 * only). A bad reference fails here, before any client is made.
 */
export async function referenceClient(
  context: CommandContext,
  input: string,
): Promise<{ reference: Reference; client: Client }> {
  const reference = parseReference(input);
  return { reference, client: await context.createClient([reference.registry]) };
}

/**
 * A client for reading `input`: a registry reference (credentials for that registry only) or a local
 * location (`oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`), which needs no registry.
 */
export async function readClient(context: CommandContext, input: string): Promise<Client> {
  if (hasLocalTransport(input)) return context.createClient([]);
  return (await referenceClient(context, input)).client;
}
