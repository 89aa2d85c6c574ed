// `.openapi()` exists at run time on the kit's `z` (shared/src/service/zod.ts extends zod),
// but the kit's emitted declarations lose that augmentation; this reference brings the types back.
// The package is not a dependency of this pattern, so an `import` cannot name it: a path is the only way.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../shared/node_modules/@asteasolutions/zod-to-openapi/dist/index.d.ts" />
