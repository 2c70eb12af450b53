import { readFileSync } from 'node:fs';

/** Parse a JSON file, with errors that name the file and say what is wrong in one line. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (err as Error).message})`}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: malformed JSON (${(err as Error).message.split('\n')[0]})`);
  }
}
