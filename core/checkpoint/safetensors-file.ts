import { readFileSync } from 'node:fs';
import type { StateDict } from '../host-tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeSafetensors, readSafetensorsBytes, type SafetensorsFile } from './safetensors.js';

/** Read a .safetensors file (tensors in file order, plus its metadata). */
export function readSafetensorsFile(path: string): SafetensorsFile {
  return readSafetensorsBytes(path, new Uint8Array(readFileSync(path)));
}

/** Read a .safetensors file's tensors as a state dict. */
export function readSafetensors(path: string): StateDict {
  return readSafetensorsFile(path).tensors;
}

/** Write a state dict as .safetensors, atomically (temporary file in the same directory, fsync, rename). */
export function writeSafetensors(path: string, sd: StateDict, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(sd, metadata));
}
