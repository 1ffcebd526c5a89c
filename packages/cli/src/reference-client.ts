import type { Client } from "@stevedore/client";
import { parseReference, type Reference } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";

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
