import type { CredentialProvider, Credentials } from "@stevedore/core";

/**
 * Asks each provider in order and returns the first answer that is not `undefined`
 * (`spec/PROTOCOL.md` §17: environment, then config file and helpers, then anonymous). Errors of a provider are
 * not swallowed: a broken credential helper should be reported, not silently turned into anonymous access.
 *
 * @example
 * const credentials = chainCredentials([staticCredentials(fromFlags), dockerConfigCredentials({ env: process.env })]);
 */
export function chainCredentials(providers: readonly CredentialProvider[]): CredentialProvider {
  const list = [...providers];
  return {
    async get(registry, options): Promise<Credentials | undefined> {
      for (const provider of list) {
        const credentials = await provider.get(registry, options);
        if (credentials !== undefined) return credentials;
      }
      return undefined;
    },
  };
}
