// The slice of the WebAssembly API that db/schema-engine.ts uses (not in @types/node 20's globals).
declare namespace WebAssembly {
  type Exports = Record<string, unknown>;
  type Module = object;
  type Instance = { exports: Exports };
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports: Record<string, unknown>): Promise<Instance>;
}
