// The kit's `z` carries `.openapi()` at run time, but its emitted declaration
// (shared/build/types/src/service/zod.d.ts) drops the import of
// @asteasolutions/zod-to-openapi that augments zod's types, and this package
// cannot import that module itself (pnpm keeps it shared/'s dependency).
// Pulling the augmentation in by path keeps the schemas type-checked.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an import cannot name a file outside the package's dependencies
/// <reference path="../../../shared/node_modules/@asteasolutions/zod-to-openapi/dist/zod-extensions.d.ts" />
