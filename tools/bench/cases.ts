/**
 * The synthetic images of the benchmark (tools/bench/README.md): (a) one large layer, (b) eight big layers,
 * (c) many small layers, (d) a 3-platform index whose images share layers. `--quick` scales them down.
 */

/** An OCI platform, as written in an image index and an image config. */
export interface BenchPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One image of a case: its platform and the layers (indexes into {@link BenchCase.layers}) it stacks. */
export interface BenchImage {
  platform: BenchPlatform;
  layers: number[];
}

/** A synthetic image (or index of images) to generate, push, pull and copy. */
export interface BenchCase {
  /** `a`, `b`, `c` or `d`: what `--case` selects. */
  name: string;
  /** Human summary, e.g. `8 × 128 MiB`. */
  title: string;
  /** Sizes in bytes of the random payload of each distinct layer (the gzip blob is a few bytes larger). */
  layers: number[];
  images: BenchImage[];
  /** An image index at the top (pull with `--platform all` / `--all`) rather than one image manifest. */
  index: boolean;
}

const kibibyte = 1024;
const mebibyte = 1024 * kibibyte;
const gibibyte = 1024 * mebibyte;

const amd64: BenchPlatform = { os: "linux", architecture: "amd64" };

function single(name: string, title: string, count: number, size: number): BenchCase {
  const layers = Array.from({ length: count }, () => size);
  return {
    name,
    title,
    layers,
    images: [{ platform: amd64, layers: layers.map((_, i) => i) }],
    index: false,
  };
}

// Three platforms over `shared` common layers plus one layer of their own each: the blobs pushed and pulled
// once, the manifests three times.
function multiPlatform(title: string, shared: number, sharedSize: number, ownSize: number): BenchCase {
  const platforms: BenchPlatform[] = [
    amd64,
    { os: "linux", architecture: "arm64", variant: "v8" },
    { os: "linux", architecture: "arm", variant: "v7" },
  ];
  const layers = [...Array.from({ length: shared }, () => sharedSize), ...platforms.map(() => ownSize)];
  const common = Array.from({ length: shared }, (_, i) => i);
  const images = platforms.map((platform, i) => ({ platform, layers: [...common, shared + i] }));
  return { name: "d", title, layers, images, index: true };
}

/** The full benchmark: the sizes the skopeo figures were measured with. */
export const fullCases: BenchCase[] = [
  single("a", "1 × 1 GiB", 1, gibibyte),
  single("b", "8 × 128 MiB", 8, 128 * mebibyte),
  single("c", "500 × 64 KiB", 500, 64 * kibibyte),
  multiPlatform("3 platforms: 2 × 64 MiB shared + 32 MiB each", 2, 64 * mebibyte, 32 * mebibyte),
];

/** `--quick`: the same shapes, small enough that the whole run takes under two minutes. */
export const quickCases: BenchCase[] = [
  single("a", "1 × 64 MiB", 1, 64 * mebibyte),
  single("b", "4 × 32 MiB", 4, 32 * mebibyte),
  single("c", "100 × 64 KiB", 100, 64 * kibibyte),
  multiPlatform("3 platforms: 2 × 4 MiB shared + 2 MiB each", 2, 4 * mebibyte, 2 * mebibyte),
];

/**
 * `--s3`: the issue-18 cases of a registry on object storage — pulling a small image (its manifests cost
 * the registry ~0.1 s each there) and pushing one large layer (each blob commit costs it ~0.65 s).
 */
export const s3Cases: BenchCase[] = [
  single("s", "small image: 3 × 8 MiB", 3, 8 * mebibyte),
  single("l", "one large layer: 1 × 64 MiB", 1, 64 * mebibyte),
];

/** A stable folder name for a case's layout in the cache: a changed definition gets a new folder. */
export function caseKey(benchCase: BenchCase): string {
  const sizes = benchCase.layers.reduce((sum, size) => sum + size, 0);
  const shape = benchCase.images.map((image) => image.layers.join("+")).join("_");
  let hash = 0;
  for (const character of `${shape}/${benchCase.layers.join(",")}`) {
    hash = (Math.imul(hash, 31) + character.charCodeAt(0)) >>> 0;
  }
  return `${benchCase.name}-${benchCase.layers.length}L-${sizes}B-${hash.toString(16)}`;
}
