/**
 * Environment variables where there are any: Node's `process.env`, nothing in a browser (where `process` is not
 * defined and reading it would throw). Core code reads its switches (MILA_FUSED, MILA_WASM_STOCK, ...) only here.
 */
export function envVar(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}
