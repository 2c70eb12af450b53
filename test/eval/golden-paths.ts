export { GOLDEN_COCO, GOLDEN_MIOU, COCO_DUMMY } from '../fixtures/paths.js';
