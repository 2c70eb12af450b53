import { basename, extname, join } from 'node:path';

/** `mila infer`'s output file per image: `<outDir>/<image name>.png`, a `_` added per repeat of a name. */
export function drawingFiles(images: readonly string[], outDir: string): string[] {
  const used = new Set<string>();
  return images.map((path) => {
    let name = basename(path, extname(path));
    while (used.has(name)) name += '_';
    used.add(name);
    return join(outDir, `${name}.png`);
  });
}
