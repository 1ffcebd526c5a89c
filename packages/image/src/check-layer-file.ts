import { fileSource } from "@stevedore/blob";
import { decompress, readTar } from "@stevedore/tar";
import { layerPath } from "./merged-entries.js";

/**
 * Reads a staged layer through once (headers only are looked at): a file that is no tar, is cut short, or
 * holds an entry that climbs out of the root (`../x`) fails with `LocalFormatError` naming `where`.
 */
export async function checkLayerFile(path: string, where: string): Promise<void> {
  for await (const entry of readTar(decompress(fileSource(path)(0), { where }), { where })) {
    layerPath(entry.name, where);
    if (entry.type === "hardlink") layerPath(entry.linkName ?? "", `${where}: hard link ${entry.name}`);
  }
}
