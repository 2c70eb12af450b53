import { readFileSync } from 'node:fs';
import { provideTextFileReader } from './json-file.js';

/** Node's reader for the COCO API's file arguments (see json-file.ts); errors name the file in one line. */
provideTextFileReader((file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (err as Error).message})`}`);
  }
});
