import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { recomputeInBackward } from '../../core/recompute.js';
import { DropPath, Dropout, recordMaskSeeds, replayMaskSeeds, seedDropoutMasks } from '../../core/layers/dropout.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol);
};

describe('recomputeInBackward (gradient checkpointing primitive)', () => {
  beforeAll(async () => {
    await initBackend('wasm', { quiet: true });
    await registerAllGradients();
  });

  it('gives the hand-computed gradients of sum(w * x^2 + b) for the input and both variables', () => {
    const w = tf.variable(tf.tensor1d([2, -1, 0.5]));
    const b = tf.variable(tf.tensor1d([1, 1, 1]));
    const x = tf.tensor1d([1, 2, 3]);
    const region = (t: tf.Tensor) => tf.add(tf.mul(tf.square(t), w), b);
    const { value, grads } = tf.tidy(() => {
      const r = tf.engine().gradients(() => tf.sum(recomputeInBackward(region, [x], [w, b])) as tf.Scalar, [x, w, b], undefined, false);
      return { value: r.value, grads: r.grads };
    });
    // y = 2 - 4 + 4.5 + 3 = 5.5; dy/dx = 2xw; dy/dw = x^2; dy/db = 1
    expect(value.dataSync()[0]).toBeCloseTo(5.5, 6);
    expect([...grads[0]!.dataSync()]).toEqual([4, -4, 3]);
    expect([...grads[1]!.dataSync()]).toEqual([1, 4, 9]);
    expect([...grads[2]!.dataSync()]).toEqual([1, 1, 1]);
    tf.dispose([value, ...grads, w, b, x]);
  });

  it('leaves no tensor behind and keeps only its inputs between forward and backward', () => {
    const w = tf.variable(tf.randomNormal([16, 16], 0, 0.3, 'float32', 1));
    const x = tf.randomNormal([8, 16], 0, 1, 'float32', 2);
    // Five chained ops: without checkpointing each saves tensors for its gradient.
    const region = (t: tf.Tensor) => tf.tidy(() => tf.tanh(tf.matMul(tf.sigmoid(tf.matMul(t, w)), w)));
    const run = (checkpoint: boolean) => {
      let aliveAtEndOfForward = 0;
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.mul(x, 2); // an op outside the region, recorded as usual
        const y = checkpoint ? recomputeInBackward(region, [h], [w]) : region(h);
        const loss = tf.sum(tf.square(y)) as tf.Scalar;
        aliveAtEndOfForward = tf.memory().numTensors;
        return loss;
      }, [w]);
      const grad = grads[w.name]!.dataSync().slice();
      const loss = value.dataSync()[0]!;
      tf.dispose([value, grads[w.name]!]);
      expect(tf.memory().numTensors).toBe(before);
      return { grad, loss, aliveAtEndOfForward: aliveAtEndOfForward - before };
    };
    run(true); // first call registers nothing persistent, but warm the kernels anyway
    const plain = run(false);
    const ckpt = run(true);
    expect(ckpt.loss).toBe(plain.loss);
    close(ckpt.grad, plain.grad, 1e-6);
    expect(ckpt.aliveAtEndOfForward).toBeLessThan(plain.aliveAtEndOfForward);
    tf.dispose([w, x]);
  });

  it('is the plain function when no gradient is recorded (no op, same tensors out)', () => {
    const x = tf.tensor2d([[1, -2], [3, 4]]);
    const seen: tf.Tensor[] = [];
    const y = recomputeInBackward((t) => {
      seen.push(t);
      return tf.relu(t);
    }, [x], []);
    expect(seen).toEqual([x]); // called once, on the caller's own tensor
    expect([...y.dataSync()]).toEqual([1, 0, 3, 4]);
    tf.dispose([x, y]);
  });

  it('gradients through an input used also outside the region accumulate (tf.grads)', () => {
    const x = tf.tensor1d([0.5, -1.5, 2]);
    const f = (t: tf.Tensor) => tf.add(tf.sum(tf.exp(recomputeInBackward((u) => tf.mul(u, 3), [t], []))), tf.sum(tf.square(t))) as tf.Scalar;
    const [g] = tf.grads((t: tf.Tensor) => f(t))([x]);
    // d/dx [exp(3x) + x^2] = 3 exp(3x) + 2x
    close(g!.dataSync(), [0.5, -1.5, 2].map((v) => 3 * Math.exp(3 * v) + 2 * v), 1e-3);
    tf.dispose([x, g!]);
  });

  it('handles inputs used twice, multi-output ops with an unused output, and constants it must not touch', () => {
    const c = tf.keep(tf.tensor2d([[1, 2], [3, 4]])); // like a cached RoPE table: kept, not a variable
    const x = tf.tensor2d([[0.5, -1], [2, 0.25]]);
    const region = (t: tf.Tensor) => {
      const [left] = tf.split(tf.add(tf.mul(t, t), t), 2, 1); // second output unused
      return tf.mul(left!, tf.slice(c, [0, 0], [2, 1]));
    };
    const before = tf.memory().numTensors;
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(recomputeInBackward(region, [t], [])) as tf.Scalar)([x]);
    // d/dt of (t^2 + t) * c on the first column: (2t + 1) * c; zero on the second column.
    expect([...g!.dataSync()]).toEqual([(2 * 0.5 + 1) * 1, 0, (2 * 2 + 1) * 3, 0]);
    g!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([...c.dataSync()]).toEqual([1, 2, 3, 4]);
    tf.dispose([c, x]);
  });

  it('replays the dropout masks of the forward in the recomputation', () => {
    const drop = new DropPath(0.5).train();
    const elem = new Dropout(0.5).train();
    const x = tf.ones([16, 4]);
    const w = tf.variable(tf.ones([4]));
    const region = (t: tf.Tensor) => elem.forward(drop.forward(tf.mul(t, w)));
    const gradOf = (checkpoint: boolean, seed: number) => {
      seedDropoutMasks(seed);
      const { value, grads } = tf.variableGrads(() => tf.sum(checkpoint ? recomputeInBackward(region, [x], [w]) : region(x)) as tf.Scalar, [w]);
      const out = { loss: value.dataSync()[0]!, grad: [...grads[w.name]!.dataSync()] };
      tf.dispose([value, grads[w.name]!]);
      return out;
    };
    const plain = gradOf(false, 11);
    const ckpt = gradOf(true, 11);
    const other = gradOf(false, 12);
    // Each row survives both masks with probability 1/4 and is then scaled by 4: the sum is a multiple of 4.
    expect(plain.loss % 4).toBe(0);
    expect(ckpt).toEqual(plain);
    // The masks do matter (another seed gives another gradient), so the equality above tests the replay.
    expect(other.grad).not.toEqual(plain.grad);
    tf.dispose([x, w]);
  });

  it('refuses a replay that draws different masks than the recording', () => {
    const drop = new DropPath(0.5).train();
    const { log } = recordMaskSeeds(() => tf.dispose(drop.forward(tf.ones([2, 3]))));
    expect(log.draws.map((d) => d.shape)).toEqual([[2, 1]]);
    expect(() => replayMaskSeeds(log, () => tf.dispose(drop.forward(tf.ones([4, 3]))))).toThrow(/mask draw 0 of shape \[4, 1\]/);
    expect(() => replayMaskSeeds(log, () => undefined)).toThrow(/drew 0 masks, the forward drew 1/);
  });
});
