import { type BuiltManifest, checkAnnotations, checkDescriptor } from "./build-artifact-manifest.js";
import { descriptorOf } from "./descriptor-of.js";
import { ManifestError, UsageError } from "./errors.js";
import type { Descriptor, ImageIndex } from "./manifest-types.js";
import { MediaType } from "./media-types.js";
import { parseManifest } from "./parse-manifest.js";

/** What {@link buildIndex} builds an OCI image index from. */
export interface IndexInput {
  /** The entries, in order (each with its `platform`, for images). */
  manifests: readonly Descriptor[];
  annotations?: Readonly<Record<string, string>>;
  artifactType?: string;
}

/**
 * Builds an OCI image index, serialised compactly (`schemaVersion, mediaType, artifactType, manifests,
 * annotations`).
 *
 * @throws UsageError for an entry that is not a descriptor.
 * @example
 * const { bytes, descriptor } = buildIndex({ manifests: [amd64, arm64] });
 */
export function buildIndex(input: IndexInput): BuiltManifest<ImageIndex> {
  if (typeof input !== "object" || input === null || !Array.isArray(input.manifests)) {
    throw new UsageError("buildIndex() needs manifests");
  }
  for (const [index, entry] of input.manifests.entries()) checkDescriptor(entry, `entry ${index + 1}`);
  if (input.annotations !== undefined) checkAnnotations(input.annotations);
  const annotations = input.annotations ?? {};
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    ...(input.artifactType === undefined ? {} : { artifactType: input.artifactType }),
    manifests: input.manifests.map((entry) => ({ ...entry })),
    ...(Object.keys(annotations).length === 0 ? {} : { annotations: { ...annotations } }),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(index));
  return { manifest: index, bytes, descriptor: descriptorOf(bytes, MediaType.OciIndex) };
}

/** What {@link editIndex} changes. */
export interface IndexEdit {
  /** Entries to append (an entry with a digest already listed replaces nothing: it is added again). */
  add?: readonly Descriptor[];
  /** Entries to take out: those for which this returns `true`. */
  remove?: (entry: Descriptor, position: number) => boolean;
}

/** The result of {@link editIndex}: the new index and the entries taken out. */
export interface EditedIndex extends BuiltManifest<ImageIndex> {
  removed: Descriptor[];
}

/**
 * Edits an index in its own bytes: appends and removes entries of `manifests` by splicing the JSON text, so
 * every other entry, every other field and the document's formatting stay byte-identical (only the commas
 * and whitespace next to a removed entry go). The media type stays the index's own (OCI or Docker).
 *
 * @throws ManifestError when `bytes` is not an index; UsageError for an added entry that is not a descriptor.
 * @example
 * const edited = editIndex(bytes, { remove: (entry) => entry.platform?.architecture === "s390x" });
 */
export function editIndex(bytes: Uint8Array, edit: IndexEdit): EditedIndex {
  const parsed = parseManifest(bytes);
  if (parsed.kind !== "index") throw new ManifestError("the manifest to edit is not an index");
  for (const [position, entry] of (edit.add ?? []).entries())
    checkDescriptor(entry, `entry ${position + 1} to add`);
  const text = new TextDecoder().decode(bytes);
  const array = findManifestsArray(text);
  const entries = parsed.manifest.manifests;
  if (array.elements.length !== entries.length)
    throw new ManifestError("the index's manifests cannot be read");
  const removed: Descriptor[] = [];
  const kept: string[] = [];
  entries.forEach((entry, position) => {
    const span = array.elements[position] as [number, number];
    if (edit.remove?.(entry, position) === true) removed.push(entry);
    else kept.push(text.slice(span[0], span[1]));
  });
  for (const entry of edit.add ?? []) kept.push(JSON.stringify(entry));
  // Keep the separator the document used between entries (", " or ",\n    "), else a bare comma.
  const first = array.elements[0];
  const second = array.elements[1];
  const separator = first !== undefined && second !== undefined ? text.slice(first[1], second[0]) : ",";
  const inner =
    array.elements.length > 0 && kept.length > 0
      ? text.slice(array.start + 1, (first as [number, number])[0]) +
        kept.join(separator) +
        text.slice((array.elements.at(-1) as [number, number])[1], array.end - 1)
      : kept.join(separator);
  const edited = text.slice(0, array.start + 1) + inner + text.slice(array.end - 1);
  const editedBytes = new TextEncoder().encode(edited);
  const reparsed = parseManifest(editedBytes, parsed.mediaType);
  if (reparsed.kind !== "index") throw new ManifestError("the edited index is not an index");
  return {
    manifest: reparsed.manifest,
    bytes: editedBytes,
    descriptor: descriptorOf(editedBytes, parsed.mediaType),
    removed,
  };
}

/** Where the top-level `manifests` array is: `[start, end)` including brackets, and each element's span. */
function findManifestsArray(text: string): { start: number; end: number; elements: [number, number][] } {
  let at = skipSpace(text, 0);
  if (text[at] !== "{") throw new ManifestError("the index is not a JSON object");
  at++;
  for (;;) {
    at = skipSpace(text, at);
    if (text[at] === "}") break;
    const keyEnd = skipValue(text, at);
    const key = JSON.parse(text.slice(at, keyEnd)) as string;
    at = skipSpace(text, keyEnd);
    at = skipSpace(text, at + 1); // the colon
    const valueEnd = skipValue(text, at);
    if (key === "manifests" && text[at] === "[") {
      const elements: [number, number][] = [];
      let inner = skipSpace(text, at + 1);
      while (text[inner] !== "]") {
        const end = skipValue(text, inner);
        elements.push([inner, end]);
        inner = skipSpace(text, end);
        if (text[inner] === ",") inner = skipSpace(text, inner + 1);
      }
      return { start: at, end: valueEnd, elements };
    }
    at = skipSpace(text, valueEnd);
    if (text[at] === ",") at++;
  }
  throw new ManifestError("the index has no manifests list");
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at] as string)) at++;
  return at;
}

/** The end of the JSON value starting at `at` (the text was already validated by JSON.parse). */
function skipValue(text: string, at: number): number {
  const char = text[at];
  if (char === '"') {
    let position = at + 1;
    while (text[position] !== '"') position += text[position] === "\\" ? 2 : 1;
    return position + 1;
  }
  if (char === "{" || char === "[") {
    let depth = 0;
    let position = at;
    do {
      const current = text[position];
      if (current === '"') {
        position = skipValue(text, position);
        continue;
      }
      if (current === "{" || current === "[") depth++;
      else if (current === "}" || current === "]") depth--;
      position++;
    } while (depth > 0 && position < text.length);
    return position;
  }
  let position = at;
  while (position < text.length && !/[\s,}\]]/.test(text[position] as string)) position++;
  return position;
}
