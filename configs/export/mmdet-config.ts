/**
 * A detection experiment as an mmdetection 2.x config file, in the structure of the official MLLA configs
 * (downstream/detection/configs/mlla/mlla_*_mrcnn_*.py with mask_rcnn_swin_fpn.py, coco_instance.py,
 * schedule_1x.py and default_runtime.py merged): what the MLLA repository's tools/train.py loads.
 */
import { UserError } from '../../core/errors.js';
import type {
  AssignerConfig,
  CrossEntropyLossConfig,
  DeltaCoderConfig,
  L1LossConfig,
  MaskRCNNConfig,
  MilaDetBackboneConfig,
  NmsConfig,
  RoIExtractorConfig,
  RPNProposalConfig,
  SamplerConfig,
} from '../../models/detector/mask-rcnn-config.js';
import type { DataSplitConfig, ExperimentConfig } from '../types.js';
import {
  backbonePath,
  checkpointConfig,
  classesTuple,
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
import { PyName, pyDict, pyFloat, pyList, type PyAssignment, type PyExpr } from './python-literal.js';

const f = pyFloat;

function ceLoss(l: CrossEntropyLossConfig): PyExpr {
  // mmdet's mask loss is written without use_sigmoid (False, the default), as in mask_rcnn_swin_fpn.py.
  return pyDict({ type: 'CrossEntropyLoss', use_sigmoid: l.useMask && !l.useSigmoid ? undefined : l.useSigmoid, use_mask: l.useMask ? true : undefined, loss_weight: f(l.lossWeight) });
}

function l1Loss(l: L1LossConfig): PyExpr {
  return pyDict({ type: 'L1Loss', loss_weight: f(l.lossWeight) });
}

function coder(c: DeltaCoderConfig): PyExpr {
  return pyDict({ type: c.type, target_means: pyList(c.targetMeans.map(f)), target_stds: pyList(c.targetStds.map(f)) });
}

function extractor(e: RoIExtractorConfig): PyExpr {
  return pyDict({
    type: e.type,
    roi_layer: pyDict({ type: e.roiLayer.type, output_size: e.roiLayer.outputSize, sampling_ratio: e.roiLayer.samplingRatio }),
    out_channels: e.outChannels,
    featmap_strides: pyList(e.featmapStrides),
    finest_scale: e.finestScale === 56 ? undefined : e.finestScale,
  });
}

function assigner(a: AssignerConfig): PyExpr {
  return pyDict({
    type: a.type,
    pos_iou_thr: f(a.posIouThr),
    neg_iou_thr: f(a.negIouThr),
    min_pos_iou: f(a.minPosIou),
    match_low_quality: a.matchLowQuality,
    ignore_iof_thr: a.ignoreIofThr,
    gt_max_assign_all: a.gtMaxAssignAll ? undefined : false,
  });
}

function sampler(s: SamplerConfig): PyExpr {
  return pyDict({ type: s.type, num: s.num, pos_fraction: f(s.posFraction), neg_pos_ub: s.negPosUb, add_gt_as_proposals: s.addGtAsProposals });
}

function nms(n: NmsConfig): PyExpr {
  return pyDict({ type: n.type, iou_threshold: f(n.iouThreshold) });
}

function proposals(p: RPNProposalConfig): PyExpr {
  return pyDict({ nms_pre: p.nmsPre, max_per_img: p.maxPerImg, nms: nms(p.nms), min_bbox_size: p.minBboxSize });
}

/** The model dict of mask_rcnn_swin_fpn.py with the MLLA backbone of the official configs. */
export function mmdetModel(m: MaskRCNNConfig): PyExpr {
  if (m.backbone.type !== 'MILA') {
    const named = m.backbone.type === 'Custom' && 'name' in m.backbone ? String(m.backbone.name) : m.backbone.type;
    throw new UserError(`backbone '${named}' has no mmdetection equivalent: only MILA (mmdet's MLLA) backbones export`);
  }
  // Registered components share the type field with the built-ins, so the check above does not narrow.
  const b = m.backbone as MilaDetBackboneConfig;
  const { rpnHead: rpn, roiHead: roi, trainCfg: tr, testCfg: te } = m;
  const backbone = mllaBackbone(
    { embedDim: b.embedDim, depths: b.depths, numHeads: b.numHeads, mlpRatio: b.mlpRatio, qkvBias: b.qkvBias, dropRate: b.dropRate, dropPathRate: b.dropPathRate, outIndices: b.outIndices, useCheckpoint: b.useCheckpoint },
    backbonePath(),
  );
  return pyDict({
    type: 'MaskRCNN',
    pretrained: null,
    backbone,
    neck: pyDict({ type: m.neck.type, in_channels: pyList(m.neck.inChannels), out_channels: m.neck.outChannels, num_outs: m.neck.numOuts }),
    rpn_head: pyDict({
      type: rpn.type,
      in_channels: rpn.inChannels,
      feat_channels: rpn.featChannels,
      anchor_generator: pyDict({
        type: rpn.anchorGenerator.type,
        scales: pyList(rpn.anchorGenerator.scales),
        ratios: pyList(rpn.anchorGenerator.ratios.map(f)),
        strides: pyList(rpn.anchorGenerator.strides),
      }),
      bbox_coder: coder(rpn.bboxCoder),
      loss_cls: ceLoss(rpn.lossCls),
      loss_bbox: l1Loss(rpn.lossBbox),
    }),
    roi_head: pyDict({
      type: roi.type,
      bbox_roi_extractor: extractor(roi.bboxRoiExtractor),
      bbox_head: pyDict({
        type: roi.bboxHead.type,
        in_channels: roi.bboxHead.inChannels,
        fc_out_channels: roi.bboxHead.fcOutChannels,
        roi_feat_size: roi.bboxHead.roiFeatSize,
        num_classes: roi.bboxHead.numClasses,
        bbox_coder: coder(roi.bboxHead.bboxCoder),
        reg_class_agnostic: roi.bboxHead.regClassAgnostic,
        loss_cls: ceLoss(roi.bboxHead.lossCls),
        loss_bbox: l1Loss(roi.bboxHead.lossBbox),
      }),
      mask_roi_extractor: extractor(roi.maskRoiExtractor),
      mask_head: pyDict({
        type: roi.maskHead.type,
        num_convs: roi.maskHead.numConvs,
        in_channels: roi.maskHead.inChannels,
        conv_out_channels: roi.maskHead.convOutChannels,
        num_classes: roi.maskHead.numClasses,
        loss_mask: ceLoss(roi.maskHead.lossMask),
      }),
    }),
    train_cfg: pyDict({
      rpn: pyDict({ assigner: assigner(tr.rpn.assigner), sampler: sampler(tr.rpn.sampler), allowed_border: tr.rpn.allowedBorder, pos_weight: tr.rpn.posWeight, debug: false }),
      rpn_proposal: proposals(tr.rpnProposal),
      rcnn: pyDict({ assigner: assigner(tr.rcnn.assigner), sampler: sampler(tr.rcnn.sampler), mask_size: tr.rcnn.maskSize, pos_weight: tr.rcnn.posWeight, debug: false }),
    }),
    test_cfg: pyDict({
      rpn: proposals(te.rpn),
      rcnn: pyDict({ score_thr: f(te.rcnn.scoreThr), nms: nms(te.rcnn.nms), max_per_img: te.rcnn.maxPerImg, mask_thr_binary: f(te.rcnn.maskThrBinary) }),
    }),
  });
}

function split(s: DataSplitConfig, classes: readonly string[] | null, where: string): PyExpr {
  if (s.annFile === null) throw new UserError(`${where}.annFile is null: a COCO-format split needs its annotation file`);
  return pyDict({
    type: new PyName('dataset_type'),
    data_root: new PyName('data_root'),
    ann_file: s.annFile,
    img_prefix: s.imgPrefix,
    classes: classesTuple(classes),
    pipeline: pipeline(s.pipeline, `${where}.pipeline`),
  });
}

/** What the writer needs besides the config: class names resolved from the dataset (null: the dataset's own list). */
export interface DetExportContext {
  classes: readonly string[] | null;
}

/** The statements of the exported detection config, in the order of the official files. */
export function mmdetStatements(cfg: ExperimentConfig<MaskRCNNConfig>, ctx: DetExportContext): PyAssignment[] {
  const d = cfg.data;
  if (d.type !== 'CocoDataset') throw new UserError(`data.type '${d.type}' has no mmdetection export (CocoDataset only)`);
  const root = d.root.endsWith('/') ? d.root : `${d.root}/`;
  const r = cfg.runner;
  const metrics = cfg.evaluation.metrics;
  return [
    { name: 'model', value: mmdetModel(cfg.model) },
    { name: 'dataset_type', value: d.type, comment: DATASET_COMMENT },
    { name: 'data_root', value: root },
    {
      name: 'data',
      value: pyDict({
        // mmdet 2.25 reads the batch from train_dataloader (compat_cfg moves a top-level samples_per_gpu there).
        train_dataloader: pyDict({ samples_per_gpu: d.samplesPerGpu, workers_per_gpu: d.workersPerGpu }),
        train: split(d.train, ctx.classes, 'data.train'),
        val: split(d.val, ctx.classes, 'data.val'),
        test: split(d.test, ctx.classes, 'data.test'),
      }),
    },
    evaluationStatement(r, metrics),
    { name: 'optimizer', value: optimizer(cfg.optimizer), comment: ['optimizer and schedule'] },
    { name: 'optimizer_config', value: optimizerConfig(cfg.optimizer.gradClip) },
    { name: 'lr_config', value: lrConfig(cfg.lrConfig) },
    { name: 'runner', value: runner(r) },
    { name: 'checkpoint_config', value: checkpointConfig(r), comment: ['runtime (default_runtime.py)'] },
    { name: 'log_config', value: logConfig(r) },
    { name: 'custom_hooks', value: pyList([pyDict({ type: 'NumClassCheckHook' })]) },
    ...runtimeStatements(),
    { name: 'opencv_num_threads', value: 0 },
    { name: 'mp_start_method', value: 'fork' },
    {
      name: 'auto_scale_lr',
      value: pyDict({ enable: false, base_batch_size: d.samplesPerGpu }),
      comment: ['lr is for one batch of samples_per_gpu images (one process here); --auto-scale-lr scales it to GPUs x samples_per_gpu'],
    },
  ];
}
