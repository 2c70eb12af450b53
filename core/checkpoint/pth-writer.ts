/**
 * Write `.pth` files as `torch.save` (PyTorch 1.13) writes them: a zip of `archive/data.pkl` (protocol-2 pickle),
 * `archive/data/<key>` (each tensor's storage, little-endian) and `archive/version`. `torch.load(f,
 * weights_only=True)` reads them, and so does our own reader. No Python involved.
 */
import type { StateDict } from '../host-tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { bytesOf } from './dtypes.js';
import { PickleDict, pickleCheckpoint, type PickleValue } from './pickle-writer.js';
import { torchZipChunks, type ZipEntry } from './torch-zip.js';

export { PickleDict, PickleFloat, PickleTuple, type PickleValue } from './pickle-writer.js';

/** torch.save's archive folder name when it writes to a stream; our reader and torch accept any. */
const ARCHIVE = 'archive';
/** torch 1.13 writes serialization format version 3. */
const FORMAT_VERSION = '3\n';

/** A state dict as the OrderedDict `model.state_dict()` pickles to. */
export function stateDictValue(sd: StateDict): PickleDict {
  return new PickleDict([...sd.entries()], true);
}

/** mmcv's `save_checkpoint` layout: `{'meta': {...}, 'state_dict': OrderedDict}` (mmdet/mmseg read both layouts). */
export function mmcvCheckpointValue(sd: StateDict, meta: Record<string, PickleValue>): PickleDict {
  return new PickleDict([
    ['meta', new PickleDict(Object.entries(meta))],
    ['state_dict', stateDictValue(sd)],
  ]);
}

/** The file's bytes as chunks (tensor data is referenced, not copied). */
export function encodePth(root: PickleValue): Uint8Array[] {
  const { pickle, storages } = pickleCheckpoint(root);
  // torch writes the storages sorted by key as strings ('0', '1', '10', '11', ..., '2').
  const sorted = [...storages].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const entries: ZipEntry[] = [
    { name: `${ARCHIVE}/data.pkl`, data: [pickle] },
    ...sorted.map((s) => ({ name: `${ARCHIVE}/data/${s.key}`, data: [bytesOf(s.tensor.data)] })),
    { name: `${ARCHIVE}/version`, data: [new TextEncoder().encode(FORMAT_VERSION)] },
  ];
  return torchZipChunks(entries);
}

/** Write `root` (a state dict value, or mmcv's wrapper) to `path` atomically. */
export function writePth(path: string, root: PickleValue): void {
  writeFileAtomic(path, encodePth(root));
}
