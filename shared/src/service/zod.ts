import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Once per process, so every schema in every pattern can carry OpenAPI metadata
// (`.openapi({ example })`): the schemas that validate are the schemas documented.
extendZodWithOpenApi(z);

export { z };

// Re-exported so the emitted declaration imports zod-to-openapi: that import is what carries its
// augmentation of zod's types (`.openapi()`) into every pattern that takes `z` from the kit.
export type { ZodOpenAPIMetadata } from '@asteasolutions/zod-to-openapi';
