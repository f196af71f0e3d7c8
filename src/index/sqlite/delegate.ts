// Methods of the SQLite engine that are wholly one of its parts' (the identity tables, the S3 Tables
// catalog, the registry, restore, access-log and event tables): each is defined on the engine's
// prototype to call that part and answer a promise, so the engine does not repeat every signature. The engine declares them by merging the part's interface into its own.

export function delegateMethods(prototype: object, methods: readonly string[], partOf: (engine: unknown) => object): void {
  for (const method of methods) {
    const delegate = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const part = partOf(this) as Record<string, (...partArgs: unknown[]) => unknown>;
      return Reflect.apply(part[method]!, part, args);
    };
    Object.defineProperty(prototype, method, { value: delegate, writable: true, configurable: true });
  }
}
