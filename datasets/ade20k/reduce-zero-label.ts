/**
 * mmseg's reduce_zero_label on uint8 labels: 0 ("other") becomes 255 (ignored), every other value
 * k becomes k - 1, and 255 stays 255.
 */
export function reduceZeroLabel(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    out[i] = v === 0 || v === 255 ? 255 : v - 1;
  }
  return out;
}
