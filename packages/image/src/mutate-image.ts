import type { Descriptor, Target } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { applyAnnotations, type EditOptions, type EditResult, editImages } from "./edit-images.js";
import { type JsonObject, objectAt } from "./read-documents.js";

/** What {@link mutateImage} changes. Absent fields are left as they are. */
export interface ImageChanges {
  /** Config labels to set; `null` removes one. */
  labels?: Record<string, string | null>;
  /** Annotations of each image manifest; `null` removes one. */
  annotations?: Record<string, string | null>;
  /** Environment variables to set (replacing `KEY=…`) or, with `null`, remove. */
  env?: Record<string, string | null>;
  /** The entrypoint; `null` (or `[]`) clears it. */
  entrypoint?: readonly string[] | null;
  /** The default command; `null` (or `[]`) clears it. */
  cmd?: readonly string[] | null;
  user?: string;
  workingDir?: string;
  /** Ports to expose, `PORT[/tcp|udp|sctp]` (tcp when no protocol is named). */
  expose?: readonly string[];
  /** The config's `created` time (RFC 3339). */
  created?: string;
}

/**
 * Changes the config (labels, environment, entrypoint, command, user, working directory, exposed ports,
 * creation time) and the manifest annotations of an image, or of every selected image of an index, in
 * `target`; `indexAnnotations` changes the index's own. Keys that are not changed keep their values and
 * order; a document left unchanged keeps its bytes.
 *
 * @example
 * ```ts
 * const result = await mutateImage(remote, await remote.resolve("v1"), {
 *   labels: { "org.opencontainers.image.source": "https://example.com/app", obsolete: null },
 *   env: { NODE_ENV: "production" },
 * });
 * await remote.tag(result.descriptor, "v1-labelled");
 * ```
 */
export async function mutateImage(
  target: Target,
  root: Descriptor,
  changes: ImageChanges,
  options: EditOptions = {},
): Promise<EditResult> {
  const expose = (changes.expose ?? []).map(checkPort);
  if (changes.created !== undefined && !isRfc3339(changes.created)) {
    throw new UsageError(
      `created must be an RFC 3339 time such as 2024-01-31T12:00:00Z, not ${JSON.stringify(changes.created)}`,
    );
  }
  return editImages(target, root, options, async (image) => {
    if (changes.annotations !== undefined) applyAnnotations(image.manifest, changes.annotations);
    if (changes.created !== undefined) image.config.created = changes.created;
    const needsRunConfig =
      changes.labels !== undefined ||
      changes.env !== undefined ||
      changes.entrypoint !== undefined ||
      changes.cmd !== undefined ||
      changes.user !== undefined ||
      changes.workingDir !== undefined ||
      expose.length > 0;
    if (!needsRunConfig) return;
    const run = objectAt(image.config, "config");
    if (changes.labels !== undefined) setMap(run, "Labels", changes.labels);
    if (changes.env !== undefined)
      run.Env = editEnv(Array.isArray(run.Env) ? (run.Env as string[]) : [], changes.env);
    if (changes.entrypoint !== undefined) setList(run, "Entrypoint", changes.entrypoint);
    if (changes.cmd !== undefined) setList(run, "Cmd", changes.cmd);
    if (changes.user !== undefined) run.User = changes.user;
    if (changes.workingDir !== undefined) run.WorkingDir = changes.workingDir;
    if (expose.length > 0) {
      const ports = objectAt(run, "ExposedPorts");
      for (const port of expose) ports[port] = {};
    }
  });
}

function setMap(parent: JsonObject, key: string, changes: Record<string, string | null>): void {
  const map = { ...((parent[key] as Record<string, string> | null | undefined) ?? {}) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete map[name];
    else map[name] = value;
  }
  parent[key] = map;
}

function setList(parent: JsonObject, key: string, value: readonly string[] | null): void {
  if (value === null || value.length === 0) delete parent[key];
  else parent[key] = [...value];
}

function editEnv(env: readonly string[], changes: Record<string, string | null>): string[] {
  const out = [...env];
  for (const [name, value] of Object.entries(changes)) {
    if (name === "" || name.includes("="))
      throw new UsageError(`environment variable name ${JSON.stringify(name)} is empty or holds "="`);
    const position = out.findIndex((entry) => entry === name || entry.startsWith(`${name}=`));
    if (value === null) {
      if (position !== -1) out.splice(position, 1);
    } else if (position === -1) out.push(`${name}=${value}`);
    else out[position] = `${name}=${value}`;
  }
  return out;
}

function checkPort(port: string): string {
  const match = /^([0-9]{1,5})(?:\/(tcp|udp|sctp))?$/.exec(port);
  if (match === null || Number(match[1]) > 65535) {
    throw new UsageError(`port ${JSON.stringify(port)} is not PORT or PORT/tcp|udp|sctp (0–65535)`);
  }
  return `${match[1]}/${match[2] ?? "tcp"}`;
}

function isRfc3339(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) &&
    !Number.isNaN(Date.parse(text))
  );
}
