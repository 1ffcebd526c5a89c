import { readdirSync, readFileSync } from "node:fs";

const folder = new URL("../__fixtures__/", import.meta.url);

/** The exact bytes of a fixture in `src/__fixtures__`. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, folder)));
}

/** Names of the JSON fixtures. */
export function fixtureNames(): string[] {
  return readdirSync(folder).filter((name) => name.endsWith(".json"));
}

/** The sha256 that `__fixtures__/SOURCES.md` records for each fixture, read from its table. */
export function recordedSha256(): Map<string, string> {
  const table = readFileSync(new URL("SOURCES.md", folder), "utf8");
  const result = new Map<string, string>();
  for (const line of table.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const name = cells[1];
    const sha = cells.find((cell) => /^[a-f0-9]{64}$/.test(cell));
    if (name?.endsWith(".json") && sha !== undefined) result.set(name, sha);
  }
  return result;
}
