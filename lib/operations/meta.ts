import { defineOperation } from './define';

export const openApiOp = defineOperation({
  id: 'meta.openapi',
  tag: 'meta',
  summary: 'This API, described (OpenAPI 3.1)',
  method: 'GET',
  path: '/api/v1/openapi.json',
  permission: 'public',
  run: async ({ origin }) => {
    // Imported here: the document lists every operation, this one included.
    const [{ openApiDocument }, { allOperations }] = await Promise.all([import('./openapi'), import('./index')]);
    return openApiDocument(allOperations.filter((op) => !op.internal), origin);
  },
});
