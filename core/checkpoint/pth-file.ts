import { readFileSync } from 'node:fs';
import type { StateDict } from '../host-tensor.js';
import { readPth } from './pth.js';

/** Read a `torch.save` checkpoint file (see readPth). */
export function readPthFile(path: string): StateDict {
  return readPth(path, new Uint8Array(readFileSync(path)));
}
