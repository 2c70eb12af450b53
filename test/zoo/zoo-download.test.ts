/**
 * The zoo's download path against a local HTTP server (this machine has no internet): a transfer cut halfway is
 * resumed with a Range request, a server that ignores Range starts over, anything but a checkpoint is refused,
 * and later loads check the cached file against the size and SHA-256 recorded at download, without the network.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMila as mila } from '../cli/run-mila.js';
import { UserError } from '../../core/errors.js';
import { fetchZooCheckpoint, ZOO, ZOO_MIRROR_ENV, zooPaths, type ZooRecord } from '../../core/zoo/index.js';
import { GOLDEN_DIR, WEIGHTS } from '../backbone/golden-cases.js';

type Behaviour = 'whole' | 'cut' | 'ignore-range' | 'html';

const CKPT = readFileSync(WEIGHTS.pth);
const SHA = createHash('sha256').update(CKPT).digest('hex');
const NAME = 'mila_t_in1k';
const cache = mkdtempSync(join(tmpdir(), 'mila-zoo-'));
const requests: { path: string; range: string | undefined }[] = [];
let next: Behaviour[] = [];
let server: Server;

function serve(req: IncomingMessage, res: ServerResponse): void {
  requests.push({ path: req.url ?? '', range: req.headers.range });
  const behaviour = next.shift() ?? 'whole';
  if (req.url !== `/${NAME}.pth`) return void res.writeHead(404).end('not found');
  if (behaviour === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>please log in</body></html>');
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && behaviour !== 'ignore-range') {
    const from = Number(range[1]);
    res.writeHead(206, { 'content-length': CKPT.length - from, 'content-range': `bytes ${from}-${CKPT.length - 1}/${CKPT.length}` });
    return void res.end(CKPT.subarray(from));
  }
  res.writeHead(200, { 'content-length': CKPT.length });
  if (behaviour === 'cut') {
    // Half the file, then the connection drops.
    res.write(CKPT.subarray(0, CKPT.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.end(CKPT);
}

async function fetchError(): Promise<UserError> {
  const e = await fetchZooCheckpoint(NAME).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(UserError);
  expect((e as Error).message.split('\n')).toHaveLength(1);
  return e as UserError;
}

const { file, record } = zooPaths(NAME, join(cache, 'mila-dense'));
const part = `${file}.part`;
const saved = { xdg: process.env.XDG_CACHE_HOME, mirror: process.env[ZOO_MIRROR_ENV] };

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  process.env.XDG_CACHE_HOME = cache;
  process.env[ZOO_MIRROR_ENV] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  process.env.XDG_CACHE_HOME = saved.xdg;
  if (saved.mirror === undefined) delete process.env[ZOO_MIRROR_ENV];
  else process.env[ZOO_MIRROR_ENV] = saved.mirror;
  rmSync(cache, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  next = [];
  for (const f of [file, record, part]) rmSync(f, { force: true });
});

describe('zoo downloads', () => {
  it('lists the official checkpoints with the README numbers', () => {
    expect(ZOO.map((e) => e.name)).toEqual([
      'mila_t_in1k', 'mila_s_in1k', 'mila_b_in1k',
      'mask_rcnn_mila_t_fpn_1x_coco', 'mask_rcnn_mila_t_fpn_3x_coco', 'mask_rcnn_mila_s_fpn_1x_coco', 'mask_rcnn_mila_s_fpn_3x_coco', 'mask_rcnn_mila_b_fpn_1x_coco',
      'upernet_mila_b_512x512_160k_ade20k',
    ]);
    expect(ZOO.find((e) => e.name === 'mask_rcnn_mila_s_fpn_3x_coco')!.metrics).toEqual({ boxAP: 50.5, maskAP: 44.9 });
    expect(ZOO.find((e) => e.name === 'upernet_mila_b_512x512_160k_ade20k')!.url).toBe('https://cloud.tsinghua.edu.cn/f/41760d4a531a4ffc9cbf/?dl=1');
  });

  it('resumes an interrupted transfer with a Range request, records size and SHA-256, and renames atomically', async () => {
    next = ['cut'];
    const progress: number[] = [];
    const e = await fetchError();
    expect(e.message).toMatch(new RegExp(`^download of http://127\\.0\\.0\\.1:\\d+/${NAME}\\.pth interrupted after \\d+ of ${CKPT.length} bytes .*run again to resume`));
    expect(existsSync(file)).toBe(false);
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(CKPT.length);

    const path = await fetchZooCheckpoint(NAME, { onProgress: (r) => progress.push(r) });
    expect(path).toBe(file);
    expect(requests.map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
    expect(progress[0]).toBe(kept);
    expect(progress.at(-1)).toBe(CKPT.length);
    expect(readFileSync(file).equals(CKPT)).toBe(true);
    expect(existsSync(part)).toBe(false);
    const rec = JSON.parse(readFileSync(record, 'utf8')) as ZooRecord;
    expect([rec.size, rec.sha256]).toEqual([CKPT.length, SHA]);
  });

  it('starts over when the server ignores Range', async () => {
    writeFileSync(part, CKPT.subarray(0, 1000));
    next = ['ignore-range'];
    await fetchZooCheckpoint(NAME);
    expect(requests.map((r) => r.range)).toEqual(['bytes=1000-']);
    expect(readFileSync(file).equals(CKPT)).toBe(true);
  });

  it('refuses what is not a checkpoint, keeping nothing', async () => {
    next = ['html'];
    const e = await fetchError();
    expect(e.message).toMatch(new RegExp(`^zoo:${NAME}: http://127\\.0\\.0\\.1:\\d+/${NAME}\\.pth did not give a checkpoint \\(not a checkpoint .*\\); the download was removed$`));
    for (const f of [file, record, part]) expect(existsSync(f), f).toBe(false);
  });

  it('loads from the cache without the network, and refuses a cached file that changed', async () => {
    await fetchZooCheckpoint(NAME);
    expect(requests).toHaveLength(1);
    expect(await fetchZooCheckpoint(NAME)).toBe(file);
    expect(requests).toHaveLength(1);

    const bytes = Buffer.from(CKPT);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(file, bytes);
    expect((await fetchError()).message).toMatch(new RegExp(`^${file} changed since it was downloaded \\(SHA-256 [0-9a-f]{12}…, ${SHA.slice(0, 12)}… when downloaded\\); delete it and ${record} to download it again$`));
    writeFileSync(file, CKPT.subarray(1));
    expect((await fetchError()).message).toContain(`(${CKPT.length - 1} bytes, ${CKPT.length} when downloaded)`);
    expect(requests).toHaveLength(1);
  });

  it('names an unknown entry and an HTTP error in one line', async () => {
    await expect(fetchZooCheckpoint('mila_x_in1k')).rejects.toThrow(/^unknown zoo checkpoint 'mila_x_in1k' \(known: mila_t_in1k, /);
    process.env[ZOO_MIRROR_ENV] += 'missing';
    try {
      expect((await fetchError()).message).toMatch(/\/missing\/mila_t_in1k\.pth: HTTP 404 Not Found$/);
    } finally {
      process.env[ZOO_MIRROR_ENV] = process.env[ZOO_MIRROR_ENV]!.replace(/missing$/, '');
    }
  });
});

describe('mila zoo and --checkpoint zoo:<name>', () => {
  it('lists every entry with its numbers, then fetches one by name and loads it as --checkpoint zoo:<name>', async () => {
    const list = await mila('zoo');
    expect(list.out).toMatch(/^mila_t_in1k\s+classification\s+mila_t\s+top-1 83\.5\s+-\s+http:\/\/127\.0\.0\.1:\d+\/mila_t_in1k\.pth$/m);
    expect(list.out).toMatch(/^mask_rcnn_mila_b_fpn_1x_coco\s+detection\s+mask_rcnn_mila_b_fpn_1x_coco\s+box AP 50\.5, mask AP 45\.0\s/m);
    expect(list.out).toMatch(/^upernet_mila_b_512x512_160k_ade20k\s+segmentation\s+\S+\s+mIoU 51\.9 \(SS\) \/ 52\.5 \(MS\)\s/m);

    const fetched = await mila('zoo', NAME, '--no-progress');
    expect(fetched.code).toBe(0);
    expect(fetched.out).toBe(`${file}\n`);
    expect(fetched.err).toMatch(new RegExp(`^mila: downloading zoo:${NAME} from http://127\\.0\\.0\\.1:\\d+/${NAME}\\.pth to ${file}\n$`));
    expect((await mila('zoo')).out).toMatch(/^mila_t_in1k\s+classification\s+mila_t\s+top-1 83\.5\s+cached\s/m);

    const output = join(cache, 'feats.safetensors');
    const tiny = '{"embedDim":16,"depths":[1,1,2,1],"numHeads":[1,2,4,8],"imgSize":64}';
    const r = await mila('features', '--model', tiny, '--checkpoint', `zoo:${NAME}`, '--input', join(GOLDEN_DIR, 'tiny_det_64/io.safetensors'), '--output', output, '--backend', 'cpu');
    expect(r.err).not.toMatch(/mila \w+: /);
    expect(r.code).toBe(0);
    expect(r.out).toContain('missing keys (0): none');
    expect(existsSync(output)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('an unknown name is one line and exit code 1', async () => {
    const r = await mila('zoo', 'mila_q_in1k');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^mila zoo: unknown zoo checkpoint 'mila_q_in1k'/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
