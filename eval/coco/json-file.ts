/**
 * How `new COCO(file)` and `loadRes(file)` read a JSON file. Reading files needs Node: eval/coco/text-file-node.ts
 * provides the reader and eval/coco/index.ts imports it; the browser entry imports the COCO classes without it,
 * so a page passes parsed JSON objects instead.
 */
let readText: ((file: string) => string) | undefined;

export function provideTextFileReader(read: (file: string) => string): void {
  readText = read;
}

/** Parse a JSON file, with errors that name the file and say what is wrong in one line. */
export function readJsonFile(file: string): unknown {
  if (!readText) throw new Error(`${file}: reading files needs Node here; pass the parsed JSON object instead of a path`);
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: malformed JSON (${(err as Error).message.split('\n')[0]})`);
  }
}
