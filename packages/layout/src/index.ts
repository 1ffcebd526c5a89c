export type { ArchiveFormat, OpenArchiveOptions, OpenedArchive } from "./archive-format.js";
export { archiveFormatOf, openArchive } from "./archive-format.js";
export type {
  DockerArchiveImage,
  DockerArchiveTarget,
  OpenDockerArchiveOptions,
} from "./docker-archive/open-docker-archive.js";
export { openDockerArchive } from "./docker-archive/open-docker-archive.js";
export type {
  DockerArchiveImageInput,
  WriteDockerArchiveOptions,
} from "./docker-archive/write-docker-archive.js";
export { writeDockerArchive } from "./docker-archive/write-docker-archive.js";
export type {
  OciArchiveImage,
  OciArchiveTarget,
  OpenOciArchiveOptions,
} from "./oci-archive/open-oci-archive.js";
export { openOciArchive } from "./oci-archive/open-oci-archive.js";
export type { WriteOciArchiveOptions } from "./oci-archive/write-oci-archive.js";
export { writeOciArchive } from "./oci-archive/write-oci-archive.js";
export type { OciLayoutOptions, OciLayoutTarget } from "./oci-layout/create-oci-layout.js";
export { createOciLayout } from "./oci-layout/create-oci-layout.js";
export type { LockFileOptions } from "./oci-layout/with-lock-file.js";
