/**
 * `mila export`'s config writer: an experiment config as the mmdetection 2.x / mmsegmentation 0.x config file the
 * official MLLA code (`downstream/detection`, `downstream/segmentation`) trains with its tools/dist_train.sh.
 * Pure text from plain data; the caller resolves what needs files (class names) and writes the weights.
 */
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import type { EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { UserError } from '../../core/errors.js';
import type { ExperimentConfig } from '../types.js';
import { BACKBONE_FILE, MODEL_FILE } from './mmcv-runtime.js';
import { mmdetStatements, type DetExportContext } from './mmdet-config.js';
import { mmsegStatements } from './mmseg-config.js';
import { formatModule } from './python-literal.js';

export { BACKBONE_FILE, MODEL_FILE } from './mmcv-runtime.js';

export type ExportContext = DetExportContext;

/** The header: what the file is and how to use it (no dates or paths, so the same config gives the same text). */
function header(cfg: ExperimentConfig): string[] {
  const kind = cfg.task === 'detection' ? 'mmdetection 2.x' : 'mmsegmentation 0.x';
  const tree = cfg.task === 'detection' ? 'detection' : 'segmentation';
  return [
    `${kind} config of the mila-dense experiment '${cfg.name}' (written by \`mila export\`).`,
    `Train with the official MLLA code: downstream/${tree}/tools/dist_train.sh <this file> <GPUs>.`,
    `Weights beside this file: ${MODEL_FILE} (load_from) and ${BACKBONE_FILE} (the backbone's init_cfg).`,
    `Source seed: ${cfg.seed} (tools/train.py --seed ${cfg.seed}). One step here took samples_per_gpu images; on N GPUs it takes N times as many.`,
  ];
}

/** The config file's text for `cfg` (detection → mmdet, segmentation → mmseg). */
export function exportMmConfig(cfg: ExperimentConfig, ctx: ExportContext): string {
  switch (cfg.task) {
    case 'detection':
      return formatModule(header(cfg), mmdetStatements(cfg as ExperimentConfig<MaskRCNNConfig>, ctx));
    case 'segmentation':
      return formatModule(header(cfg), mmsegStatements(cfg as ExperimentConfig<EncoderDecoderConfig>));
    default:
      throw new UserError(`${cfg.name}: task '${String((cfg as { task: unknown }).task)}' has no mmdet/mmseg export`);
  }
}
