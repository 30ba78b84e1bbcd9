/** Helpers for tests of local delivery: what a sink that keeps documents reports. */

/** Rows a sink writes for `documents` (JSON text, one each), and how many of them are error rows. */
export function countedRows(documents: readonly string[]): { rows: number; errorRows: number } {
  let errorRows = 0;
  for (const document of documents) if ((JSON.parse(document) as { _error?: unknown })._error !== undefined) errorRows++;
  return { rows: documents.length, errorRows };
}
