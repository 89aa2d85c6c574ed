// The kit's `z` gains `.openapi()` at run time (shared/src/service/zod.ts calls
// extendZodWithOpenApi), but its emitted .d.ts drops that side-effect import, so
// the type augmentation never reaches a pattern. Loading it here restores it.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a path, not a package: the kit's dependency is not ours
/// <reference path="../../../shared/node_modules/@asteasolutions/zod-to-openapi/dist/index.d.ts" />
