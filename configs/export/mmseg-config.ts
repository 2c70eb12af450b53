/**
 * A segmentation experiment as an mmsegmentation 0.x config file, in the structure of the official MLLA config
 * (downstream/segmentation/configs/mlla/mlla_b_upernet.py with upernet_swin.py, ade20k.py, default_runtime.py and
 * schedule_160k.py merged): what the MLLA repository's segmentation tools/train.py loads.
 */
import { UserError } from '../../core/errors.js';
import type { EncoderDecoderConfig, MilaSegBackboneConfig } from '../../models/segmentor/encoder-decoder.js';
import type { DecodeHeadConfig } from '../../heads/seg/decode-head.js';
import type { FCNHeadConfig, UPerHeadConfig } from '../../heads/seg/index.js';
import type { DataSplitConfig, ExperimentConfig } from '../types.js';
import {
  backbonePath,
  checkpointConfig,
  evaluationStatement,
  DATASET_COMMENT,
  runtimeStatements,
  logConfig,
  lrConfig,
  mllaBackbone,
  optimizer,
  optimizerConfig,
  pipeline,
  runner,
} from './mmcv-runtime.js';
import { PyName, pyDict, pyFloat, pyList, pyTuple, type PyAssignment, type PyExpr } from './python-literal.js';

/** mmseg's decode-head keys shared by UPerHead and FCNHead; `ignore_index` and `avg_non_ignore` only when not mmseg's default. */
function headCommon(h: DecodeHeadConfig): Record<string, PyExpr | undefined> {
  return {
    dropout_ratio: pyFloat(h.dropoutRatio),
    num_classes: h.numClasses,
    // SyncBN as the official config: BatchNorm statistics over all GPUs' images, as ours over the whole batch.
    norm_cfg: new PyName('norm_cfg'),
    align_corners: false,
    ignore_index: h.ignoreIndex === 255 ? undefined : h.ignoreIndex,
    loss_decode: pyDict({ type: 'CrossEntropyLoss', use_sigmoid: false, loss_weight: pyFloat(h.lossWeight), avg_non_ignore: h.avgNonIgnore ? true : undefined }),
  };
}

export function mmsegModel(m: EncoderDecoderConfig): PyExpr {
  if (m.backbone.type !== 'MILA') {
    const where = m.backbone.type === 'TinyConv' ? "the conv stand-in 'TinyConv' (backbones/tiny-conv.ts)" : `'${m.backbone.type}'`;
    throw new UserError(`backbone ${where} has no mmsegmentation equivalent: only MILA (mmseg's MLLA) backbones export`);
  }
  if (m.decodeHead.type !== 'UPerHead') throw new UserError(`decode head '${m.decodeHead.type}' has no mmsegmentation equivalent here: only UPerHead exports`);
  if (m.auxiliaryHead && m.auxiliaryHead.type !== 'FCNHead') throw new UserError(`auxiliary head '${m.auxiliaryHead.type}' has no mmsegmentation equivalent here: only FCNHead exports`);
  // Registered components share the type field with the built-ins, so the checks above do not narrow.
  const b = m.backbone as MilaSegBackboneConfig;
  const d = m.decodeHead as UPerHeadConfig;
  const a = m.auxiliaryHead as FCNHeadConfig | null;
  if (a && (a.inChannels.length !== 1 || a.inIndex.length !== 1)) throw new UserError('model.auxiliaryHead: an FCNHead reads exactly one backbone output');
  const backbone = mllaBackbone(
    { embedDim: b.embedDim, depths: b.depths, numHeads: b.numHeads, mlpRatio: b.mlpRatio, qkvBias: b.qkvBias, dropPathRate: b.dropPathRate, outIndices: b.outIndices, useCheckpoint: b.useCheckpoint },
    backbonePath(),
  );
  const t = m.testCfg;
  return pyDict({
    type: 'EncoderDecoder',
    pretrained: null,
    backbone,
    decode_head: pyDict({
      type: d.type,
      in_channels: pyList(d.inChannels),
      in_index: pyList(d.inIndex),
      pool_scales: pyTuple(d.poolScales),
      channels: d.channels,
      ...headCommon(d),
    }),
    auxiliary_head: a
      ? pyDict({
          type: a.type,
          in_channels: a.inChannels[0]!,
          in_index: a.inIndex[0]!,
          channels: a.channels,
          num_convs: a.numConvs,
          kernel_size: a.kernelSize === 3 ? undefined : a.kernelSize,
          concat_input: a.concatInput,
          ...headCommon(a),
        })
      : undefined,
    train_cfg: pyDict({}),
    test_cfg: t.mode === 'whole' ? pyDict({ mode: 'whole' }) : pyDict({ mode: t.mode, crop_size: pyTuple(t.cropSize), stride: pyTuple(t.stride) }),
  });
}

function split(s: DataSplitConfig, where: string): PyExpr {
  if (s.segPrefix === null) throw new UserError(`${where}.segPrefix is null: an ADE20K-format split needs its annotation folder`);
  return pyDict({
    type: new PyName('dataset_type'),
    data_root: new PyName('data_root'),
    img_dir: s.imgPrefix,
    ann_dir: s.segPrefix,
    pipeline: pipeline(s.pipeline, `${where}.pipeline`),
  });
}

/** The statements of the exported segmentation config, in the order of the official files. */
export function mmsegStatements(cfg: ExperimentConfig<EncoderDecoderConfig>): PyAssignment[] {
  const d = cfg.data;
  if (d.type !== 'ADE20KDataset') throw new UserError(`data.type '${d.type}' has no mmsegmentation export (ADE20KDataset only)`);
  const r = cfg.runner;
  const metrics = cfg.evaluation.metrics;
  return [
    { name: 'norm_cfg', value: pyDict({ type: 'SyncBN', requires_grad: true }) },
    { name: 'model', value: mmsegModel(cfg.model) },
    { name: 'dataset_type', value: d.type, comment: DATASET_COMMENT },
    { name: 'data_root', value: d.root },
    {
      name: 'data',
      value: pyDict({
        samples_per_gpu: d.samplesPerGpu,
        workers_per_gpu: d.workersPerGpu,
        train: split(d.train, 'data.train'),
        val: split(d.val, 'data.val'),
        test: split(d.test, 'data.test'),
      }),
    },
    { name: 'log_config', value: logConfig(r), comment: ['runtime (default_runtime.py)'] },
    ...runtimeStatements(),
    { name: 'cudnn_benchmark', value: true },
    { name: 'optimizer', value: optimizer(cfg.optimizer), comment: ['optimizer and schedule'] },
    { name: 'optimizer_config', value: optimizerConfig(cfg.optimizer.gradClip) },
    { name: 'lr_config', value: lrConfig(cfg.lrConfig) },
    { name: 'runner', value: runner(r) },
    { name: 'checkpoint_config', value: checkpointConfig(r) },
    evaluationStatement(r, metrics, { pre_eval: true }),
  ];
}
