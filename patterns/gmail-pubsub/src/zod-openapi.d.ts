// Workaround for a kit gap: `z` from @kvs-lab/shared/service has `.openapi()` at run time, but the kit's
// emitted zod.d.ts loses the side-effect import that adds it to zod's types, and this package does not
// depend on @asteasolutions/zod-to-openapi itself. Referencing the augmentation by path restores the types.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a path reference is the only way to reach a dependency of shared/
/// <reference path="../../../shared/node_modules/@asteasolutions/zod-to-openapi/dist/index.d.ts" />
