import { UsageError } from "@stevedore/core";
import type { ManifestSummary } from "./summarize-manifest.js";

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** The registry name targets of this store report (`BlobMounter.registry`). Default: a unique `memory-N`. */
  registry?: string;
}

/**
 * The content of one in-memory "registry", shared by the memory targets of its repositories so blobs can
 * be mounted between them. Create targets on it with `createMemoryTarget({ store, repository })`.
 */
export interface MemoryStore {
  readonly registry: string;
  /** The repositories that hold any blob, manifest or tag, sorted. */
  repositories(): string[];
}

/** Internal: what one repository links to. */
export interface RepositoryState {
  blobs: Set<string>;
  /** Manifest digest → media type it was pushed with. */
  manifests: Map<string, string>;
  /** Tag → manifest digest. */
  tags: Map<string, string>;
}

/** Internal: the state behind a {@link MemoryStore}. */
export interface MemoryStoreState {
  /** Digest → exact bytes, shared by every repository (content-addressed, like a registry's storage). */
  content: Map<string, Uint8Array>;
  /** Digest → what a pushed manifest says about its subject and type (for referrers). */
  manifests: Map<string, ManifestSummary>;
  repositories: Map<string, RepositoryState>;
}

const states = new WeakMap<MemoryStore, MemoryStoreState>();
let created = 0;

/**
 * Creates an empty in-memory registry store.
 *
 * @example
 * ```ts
 * const store = createMemoryStore({ registry: "registry.test" });
 * const app = createMemoryTarget({ store, repository: "team/app" });
 * const base = createMemoryTarget({ store, repository: "library/base" });
 * await app.mount(layer, "library/base"); // true once base holds the layer
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  created += 1;
  const registry = options.registry ?? `memory-${created}`;
  if (typeof registry !== "string" || registry.length === 0) {
    throw new UsageError("registry must be a non-empty string");
  }
  const state: MemoryStoreState = { content: new Map(), manifests: new Map(), repositories: new Map() };
  const store: MemoryStore = {
    registry,
    repositories() {
      return [...state.repositories]
        .filter(
          ([, repository]) => repository.blobs.size + repository.manifests.size + repository.tags.size > 0,
        )
        .map(([name]) => name)
        .sort();
    },
  };
  states.set(store, state);
  return store;
}

/** Internal: the state of a store made by {@link createMemoryStore}. */
export function memoryStoreState(store: MemoryStore): MemoryStoreState {
  const state = states.get(store);
  if (state === undefined) throw new UsageError("store must come from createMemoryStore()");
  return state;
}

/** Internal: the state of one repository, created on first use. */
export function repositoryState(state: MemoryStoreState, name: string): RepositoryState {
  let repository = state.repositories.get(name);
  if (repository === undefined) {
    repository = { blobs: new Set(), manifests: new Map(), tags: new Map() };
    state.repositories.set(name, repository);
  }
  return repository;
}
