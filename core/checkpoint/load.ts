import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { StateDict } from '../host-tensor.js';
import { ZIP_MAGIC, readPth } from './pth.js';
import { looksLikeSafetensors, readSafetensorsFile } from './safetensors.js';

/**
 * Load a checkpoint's state dict (PyTorch layout), whatever its extension: the content decides between a
 * torch.save zip (.pth/.pt/.bin) and safetensors. Every failure is one line naming the file.
 */
export function loadCheckpoint(path: string): StateDict {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`${path}: is a directory, not a checkpoint file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `checkpoint file not found: ${path}` : `cannot read checkpoint ${path}: ${(err as Error).message}`);
  }
  if (size === 0) throw new UserError(`${path}: empty file, not a checkpoint`);
  const bytes = new Uint8Array(readFileSync(path));
  if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) return readPth(path, bytes);
  if (looksLikeSafetensors(bytes)) return readSafetensorsFile(path, bytes).tensors;
  if (bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return readPth(path, bytes); // legacy pickle: readPth explains
  throw new UserError(`${path}: not a checkpoint (neither a PyTorch zip .pth nor a .safetensors file)`);
}
