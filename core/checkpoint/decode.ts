import { UserError } from '../errors.js';
import type { StateDict } from '../host-tensor.js';
import { ZIP_MAGIC, readPth } from './pth.js';
import { looksLikeSafetensors, readSafetensorsBytes } from './safetensors.js';

/**
 * A checkpoint's state dict (PyTorch layout) from its bytes, whatever its name says: the content decides between
 * a torch.save zip (.pth/.pt/.bin) and safetensors. `path` (a file path, URL or file name) names it in errors.
 * No file access, so a browser can hand it the ArrayBuffer of a dropped or fetched file.
 */
export function decodeCheckpoint(path: string, bytes: Uint8Array): StateDict {
  if (bytes.length === 0) throw new UserError(`${path}: empty file, not a checkpoint`);
  if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) return readPth(path, bytes);
  if (looksLikeSafetensors(bytes)) return readSafetensorsBytes(path, bytes).tensors;
  if (bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return readPth(path, bytes); // legacy pickle: readPth explains
  throw new UserError(`${path}: not a checkpoint (neither a PyTorch zip .pth nor a .safetensors file)`);
}
