/**
 * Kernels that tfjs' wasm backend lacks and that training needs (the CPU speed issue fills these in).
 * Registration is idempotent.
 */
export function registerWasmExtraKernels(): void {}

/** Extra kernels for the pure-JS cpu backend (none needed yet). */
export function registerCpuExtraKernels(): void {}
