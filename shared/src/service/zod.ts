import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Once per process, so every schema in every pattern can carry OpenAPI metadata
// (`.openapi({ example })`): the schemas that validate are the schemas documented.
extendZodWithOpenApi(z);

export { z };
