export { normalizeArchivePath } from "./archive-path.js";
export type { OciLayoutOptions, OciLayoutTarget } from "./create-oci-layout.js";
export { createOciLayout } from "./create-oci-layout.js";
export type { IndexTarOptions, RandomAccessSource, TarEntry, TarEntryType } from "./index-tar.js";
export { indexTar } from "./index-tar.js";
export { memorySource } from "./memory-source.js";
export type {
  DockerArchiveImage,
  DockerArchiveTarget,
  OpenDockerArchiveOptions,
} from "./open-docker-archive.js";
export { openDockerArchive } from "./open-docker-archive.js";
export type { RandomAccessFile } from "./random-access-file.js";
export { openRandomAccessFile } from "./random-access-file.js";
export { readTarEntry } from "./read-tar-entry.js";
export type { LockFileOptions } from "./with-lock-file.js";
export type { DockerArchiveImageInput, WriteDockerArchiveOptions } from "./write-docker-archive.js";
export { writeDockerArchive } from "./write-docker-archive.js";
export type { TarWriterEntry } from "./write-tar.js";
export { writeTar } from "./write-tar.js";
