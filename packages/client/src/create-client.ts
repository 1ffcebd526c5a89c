import type { Descriptor } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { appendLayers, checkLayerInputs, flattenImage, mutateImage } from "@stevedore/image";
import { listRepositories } from "@stevedore/remote/internal";
import { parseSourceDateEpoch } from "@stevedore/tar";
import {
  attachVerb,
  createIndexVerb,
  editIndexVerb,
  openSubject,
  pullArtifactVerb,
  pushArtifactVerb,
  referrersTreeVerb,
} from "./artifact-verbs.js";
import type { Client, CopyCallOptions, CopyOutcome } from "./client.js";
import { createClientContext } from "./client-context.js";
import type { ClientOptions } from "./client-options.js";
import { copyLocations } from "./copy-locations.js";
import { deleteImage, untagImage } from "./delete-image.js";
import { editImageAt, exportImageFilesystem, readImageFileAt } from "./edit-image.js";
import { inspectImage } from "./inspect-image.js";
import { login } from "./login.js";
import { logout } from "./logout.js";
import { isRegistryInput, openManifestReader } from "./manifest-reader.js";
import { openSource } from "./open-location.js";
import { manifestReference, parseImageReference } from "./parse-image-reference.js";
import { type Location, parseLocalLocation, parseLocation } from "./parse-location.js";
import { parseCatalogScope, parseRegistry } from "./parse-registry.js";
import { pingRegistry } from "./ping-registry.js";
import { readBlob } from "./read-blob.js";
import { readConfig } from "./read-config.js";
import { resolveClientOptions } from "./resolve-client-options.js";
import { selectImage } from "./select-image.js";
import { tagImage } from "./tag-image.js";

/**
 * Creates a {@link Client}: one transport (connections, TLS, proxies from the environment, retries), one
 * auth strategy sharing its dispatcher (credentials from Docker's config and podman's `auth.json`, tokens
 * cached), one `Remote` per repository and one record of blob locations for mounts. Options are checked
 * here (`UsageError`); CA files are read here. Nothing is sent until a verb is called. Close it when done.
 *
 * @example
 * ```ts
 * import { createClient, parsePlatform } from "@stevedore/client";
 *
 * const client = createClient();
 * try {
 *   // Every platform of the index, so the layout's digest is the registry's.
 *   const outcome = await client.pull("alpine:3.20", "oci:./alpine");
 *   console.log(outcome.digest, outcome.blobs);
 *   await client.copy("alpine:3.20", "localhost:5000/mirror/alpine:3.20", {
 *     platforms: [parsePlatform("linux/arm64")],
 *   });
 *   for await (const tag of client.tags("localhost:5000/mirror/alpine")) console.log(tag);
 * } finally {
 *   await client.close();
 * }
 * ```
 */
export function createClient(options: ClientOptions = {}): Client {
  const context = createClientContext(resolveClientOptions(options));
  const call = (signal: AbortSignal | undefined): { signal?: AbortSignal } =>
    signal === undefined ? {} : { signal };
  const single = async (outcomes: Promise<CopyOutcome[]>): Promise<CopyOutcome> => {
    const [first] = await outcomes;
    if (first === undefined) throw new UsageError("the copy produced nothing");
    return first;
  };
  const checkSingle = (verb: string, copyOptions: CopyCallOptions | undefined): void => {
    if (copyOptions?.allTags === true)
      throw new UsageError(`${verb} copies one image: use copy() with allTags`);
  };

  return {
    async pull(reference, destination, copyOptions) {
      checkSingle("pull", copyOptions);
      return single(
        copyLocations(context, registryLocation(reference), parseLocalLocation(destination), copyOptions),
      );
    },
    async push(source, reference, copyOptions) {
      checkSingle("push", copyOptions);
      return single(
        copyLocations(context, parseLocalLocation(source), registryLocation(reference), copyOptions),
      );
    },
    async copy(source, destination, copyOptions) {
      return copyLocations(context, parseLocation(source), parseLocation(destination), copyOptions);
    },
    async *tags(repository, listOptions = {}) {
      if (!isRegistryInput(repository)) {
        const location = parseLocation(repository);
        if (location.kind !== "registry" && location.tag !== undefined) {
          throw new UsageError(
            `tags lists a whole layout or archive, without a tag: ${JSON.stringify(repository)}`,
          );
        }
        // Every tag is listed: no image is chosen, so an archive of several images opens as well.
        const whole = location.kind === "docker-archive" ? { ...location, tag: "@0" } : location;
        const source = await openSource(context, whole, { allTags: true, signal: listOptions.signal });
        yield* source.target.tags(call(listOptions.signal));
        return;
      }
      const reference = parseImageReference(repository);
      // Asked for by name: a repository the registry does not know is an error, not an empty list.
      yield* context.remote(reference).tags({ ...call(listOptions.signal), missingRepository: "error" });
    },
    async *catalog(registry, listOptions = {}) {
      context.checkOpen();
      const { host, prefix } = parseCatalogScope(registry);
      const { transport } = context.connection;
      const all = listRepositories(transport, transport.baseUrl(host), call(listOptions.signal));
      // The API has no prefix filter (spec/PROTOCOL.md §6): whole path components are matched here.
      for await (const repository of all) {
        if (prefix === undefined || repository === prefix || repository.startsWith(`${prefix}/`)) {
          yield repository;
        }
      }
    },
    async manifest(reference, readOptions = {}) {
      const { reader, reference: name } = await openManifestReader(context, reference, readOptions.signal);
      if (readOptions.platform !== undefined) {
        const { descriptor, bytes } = await selectImage(reader, name, readOptions);
        return { descriptor, bytes };
      }
      const { descriptor, bytes } = await reader.getManifest(name, call(readOptions.signal));
      return { descriptor, bytes };
    },
    config: (reference, readOptions) => readConfig(context, reference, readOptions),
    async digest(reference, readOptions = {}) {
      if (!isRegistryInput(reference)) {
        const { reader, reference: name } = await openManifestReader(context, reference, readOptions.signal);
        if (readOptions.platform !== undefined)
          return (await selectImage(reader, name, readOptions)).descriptor.digest;
        return (await reader.getManifest(name, call(readOptions.signal))).descriptor.digest;
      }
      const parsed = parseImageReference(reference);
      const remote = context.remote(parsed);
      if (readOptions.platform !== undefined) {
        return (await selectImage(remote, manifestReference(parsed), readOptions)).descriptor.digest;
      }
      const descriptor: Descriptor = await remote.resolve(
        manifestReference(parsed),
        call(readOptions.signal),
      );
      return descriptor.digest;
    },
    blob: (reference, readOptions) => readBlob(context, reference, readOptions),
    inspect: (reference, inspectOptions) => inspectImage(context, reference, inspectOptions),
    tag: (reference, tag, tagOptions) => tagImage(context, reference, tag, tagOptions),
    delete: (reference, deleteOptions) => deleteImage(context, reference, deleteOptions),
    untag: (reference, untagOptions) => untagImage(context, reference, untagOptions),
    async referrers(reference, listOptions = {}) {
      const { target, subject } = await openSubject(context, reference, listOptions.signal);
      const found: Descriptor[] = [];
      const filter = listOptions.artifactType === undefined ? {} : { artifactType: listOptions.artifactType };
      for await (const descriptor of target.referrers(subject, { ...call(listOptions.signal), ...filter })) {
        found.push(descriptor);
      }
      return found;
    },
    referrersTree: (reference, treeOptions) => referrersTreeVerb(context, reference, treeOptions),
    pushArtifact: (reference, pushOptions) => pushArtifactVerb(context, reference, pushOptions),
    pullArtifact: (reference, directory, pullOptions) =>
      pullArtifactVerb(context, reference, directory, pullOptions),
    attach: (subject, attachOptions) => attachVerb(context, subject, attachOptions),
    createIndex: (reference, sources, indexOptions) =>
      createIndexVerb(context, reference, sources, indexOptions),
    editIndex: (reference, editOptions) => editIndexVerb(context, reference, editOptions),
    async ping(registry, pingOptions = {}) {
      context.checkOpen();
      const { host } = parseRegistry(registry);
      await pingRegistry(context.connection.transport, host, pingOptions.signal);
    },
    login: (registry, username, password, loginOptions) =>
      login(context, registry, username, password, loginOptions),
    logout: (registry) => logout(context, registry),
    async append(base, destination, appendOptions) {
      const mtime = appendOptions.mtime ?? sourceDateEpoch(context.options.env);
      await checkLayerInputs(appendOptions.layers);
      return editImageAt(context, base, destination, appendOptions, (target, root, platforms) =>
        appendLayers(target, root, { ...appendOptions, platforms, mtime }),
      );
    },
    mutate(reference, destination, changes, mutateOptions = {}) {
      return editImageAt(context, reference, destination, mutateOptions, (target, root, platforms) =>
        mutateImage(target, root, changes, { ...mutateOptions, platforms }),
      );
    },
    flatten(reference, destination, flattenOptions = {}) {
      const mtime = flattenOptions.mtime ?? sourceDateEpoch(context.options.env);
      return editImageAt(context, reference, destination, flattenOptions, (target, root, platforms) =>
        flattenImage(target, root, { ...flattenOptions, platforms, mtime }),
      );
    },
    exportFilesystem: (reference, exportOptions = {}) =>
      exportImageFilesystem(context, reference, exportOptions),
    readFile: (reference, path, readOptions = {}) => readImageFileAt(context, reference, path, readOptions),
    close: () => context.close(),
  };
}

/** `SOURCE_DATE_EPOCH` (reproducible-builds.org) of the client's `env` as the time of packed files, else 0. */
function sourceDateEpoch(env: Record<string, string | undefined>): number {
  return parseSourceDateEpoch(env.SOURCE_DATE_EPOCH) ?? 0;
}

/** The registry side of a pull or push: a bare reference or `docker://REF`. */
function registryLocation(input: string): Location {
  const location = parseLocation(input);
  if (location.kind !== "registry") {
    throw new UsageError(
      `${JSON.stringify(input)} is not a registry reference: use copy() between local locations`,
    );
  }
  return location;
}
