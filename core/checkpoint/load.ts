import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { StateDict } from '../host-tensor.js';
import { decodeCheckpoint } from './decode.js';

/**
 * Load a checkpoint's state dict (PyTorch layout), whatever its extension: the content decides between a
 * torch.save zip (.pth/.pt/.bin) and safetensors. Every failure is one line naming the file.
 */
export function loadCheckpoint(path: string): StateDict {
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${path}: is a directory, not a checkpoint file`);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `checkpoint file not found: ${path}` : `cannot read checkpoint ${path}: ${(err as Error).message}`);
  }
  return decodeCheckpoint(path, new Uint8Array(readFileSync(path)));
}
