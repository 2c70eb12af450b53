import { Rng } from '../../core/rng.js';

/** An Rng whose next() returns scripted values, so random transforms can be checked by hand. */
export class ScriptedRng extends Rng {
  private i = 0;
  constructor(private readonly values: number[]) {
    super(0);
  }
  override next(): number {
    if (this.i >= this.values.length) throw new Error('ScriptedRng ran out of values');
    return this.values[this.i++]!;
  }
  get used(): number {
    return this.i;
  }
}
