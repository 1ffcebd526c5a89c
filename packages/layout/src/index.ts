export type { OciLayoutOptions, OciLayoutTarget } from "./create-oci-layout.js";
export { createOciLayout } from "./create-oci-layout.js";
export type {
  DockerArchiveImage,
  DockerArchiveTarget,
  OpenDockerArchiveOptions,
} from "./open-docker-archive.js";
export { openDockerArchive } from "./open-docker-archive.js";
export type { LockFileOptions } from "./with-lock-file.js";
export type { DockerArchiveImageInput, WriteDockerArchiveOptions } from "./write-docker-archive.js";
export { writeDockerArchive } from "./write-docker-archive.js";
