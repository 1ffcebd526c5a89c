const block = 512;

/**
 * A POSIX ustar header for a regular file (mode 0644, owner 0:0, mtime 0); the size must fit the 11
 * octal digits of the size field.
 */
export function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(block);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value, offset, length, "ascii");
  };
  const octal = (offset: number, length: number, value: number): void => {
    field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  };
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 0);
  field(148, 8, "        ");
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

/** A tar archive holding one regular file, the smallest real layer content. */
export function tarWithFile(name: string, content: Uint8Array): Uint8Array {
  const padding = (block - (content.length % block)) % block;
  return Buffer.concat([
    tarHeader(name, content.length),
    content,
    Buffer.alloc(padding),
    Buffer.alloc(2 * block),
  ]);
}
