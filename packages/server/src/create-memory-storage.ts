import type { RegistryStorage, StoredManifest, UploadSink } from "./registry-storage.js";

interface MemoryRepository {
  blobs: Set<string>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
}

/**
 * Storage held in process memory; everything is gone when the server closes. Blob bytes are shared by
 * every repository that links them.
 *
 * @example
 * ```ts
 * const server = createRegistryServer({ storage: "memory" });
 * ```
 */
export function createMemoryStorage(): RegistryStorage {
  const blobs = new Map<string, Uint8Array>();
  const repositories = new Map<string, MemoryRepository>();
  const repositoryOf = (name: string): MemoryRepository => {
    let repository = repositories.get(name);
    if (repository === undefined) {
      repository = { blobs: new Set(), manifests: new Map(), tags: new Map() };
      repositories.set(name, repository);
    }
    return repository;
  };

  return {
    async blobSize(digest) {
      return blobs.get(digest)?.length;
    },
    async *readBlob(digest, start, end) {
      const bytes = blobs.get(digest);
      if (bytes !== undefined) yield bytes.subarray(start, end + 1);
    },
    async writeBlob(digest, bytes) {
      blobs.set(digest, Uint8Array.from(bytes));
    },
    async openUpload(): Promise<UploadSink> {
      let parts: Uint8Array[] = [];
      let size = 0;
      return {
        get size() {
          return size;
        },
        async append(chunk) {
          parts.push(Uint8Array.from(chunk));
          size += chunk.length;
        },
        async *read() {
          yield* parts;
        },
        async commit(digest) {
          blobs.set(digest, Buffer.concat(parts, size));
          parts = [];
        },
        async discard() {
          parts = [];
        },
      };
    },
    async hasBlobLink(repository, digest) {
      return repositories.get(repository)?.blobs.has(digest) ?? false;
    },
    async linkBlob(repository, digest) {
      repositoryOf(repository).blobs.add(digest);
    },
    async unlinkBlob(repository, digest) {
      return repositories.get(repository)?.blobs.delete(digest) ?? false;
    },
    async getManifest(repository, digest) {
      return repositories.get(repository)?.manifests.get(digest);
    },
    async putManifest(repository, digest, manifest) {
      repositoryOf(repository).manifests.set(digest, {
        mediaType: manifest.mediaType,
        bytes: Uint8Array.from(manifest.bytes),
      });
    },
    async deleteManifest(repository, digest) {
      return repositories.get(repository)?.manifests.delete(digest) ?? false;
    },
    async listManifests(repository) {
      return [...(repositories.get(repository)?.manifests.keys() ?? [])];
    },
    async getTag(repository, tag) {
      return repositories.get(repository)?.tags.get(tag);
    },
    async setTag(repository, tag, digest) {
      repositoryOf(repository).tags.set(tag, digest);
    },
    async deleteTag(repository, tag) {
      return repositories.get(repository)?.tags.delete(tag) ?? false;
    },
    async listTags(repository) {
      const found = repositories.get(repository);
      return found === undefined ? undefined : [...found.tags.keys()];
    },
    async listRepositories() {
      return [...repositories.entries()]
        .filter(([, r]) => r.blobs.size > 0 || r.manifests.size > 0 || r.tags.size > 0)
        .map(([name]) => name);
    },
  };
}
