// Kit gap: `.openapi()` on zod schemas is a type augmentation from @asteasolutions/zod-to-openapi, a
// dependency of @kvs-lab/shared only, so this package's compiler never sees it. Referencing the
// augmentation by path restores the types (runtime is fine: the kit extends zod once per process).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an import cannot name a file outside the package's dependencies
/// <reference path="../../../shared/node_modules/@asteasolutions/zod-to-openapi/dist/index.d.ts" />
