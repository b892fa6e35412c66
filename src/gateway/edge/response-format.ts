/** The response forms the edge can write a cached answer in (the ones Yoga writes). */
export type ResponseFormat = 'application/graphql-response+json' | 'application/json' | 'multipart/mixed' | 'text/event-stream';

const FORMATS: readonly ResponseFormat[] = ['application/graphql-response+json', 'application/json', 'multipart/mixed', 'text/event-stream'];

/**
 * The form an Accept header asks for, as Yoga chooses it: the first listed media type it can
 * write (parameters such as `deferSpec` or `q` ignored); no Accept, or `*` + `/*`, means
 * JSON. null = leave the request to Yoga (other wildcards, or nothing it can write: Yoga
 * answers those itself).
 */
export function negotiateFormat(accept: string | undefined): ResponseFormat | null {
  if (accept === undefined || accept.trim() === '') return 'application/json';
  for (const entry of accept.split(',')) {
    const semicolon = entry.indexOf(';');
    const type = (semicolon < 0 ? entry : entry.slice(0, semicolon)).trim().toLowerCase();
    if ((FORMATS as readonly string[]).includes(type)) return type as ResponseFormat;
    if (type === '*/*') return 'application/json'; // what Yoga writes for it (fetch's default Accept)
    if (type.includes('*')) return null;
  }
  return null;
}

/** Short tag per form: one answer has one ETag per representation. */
export const FORMAT_TAG: Readonly<Record<ResponseFormat, string>> = {
  'application/graphql-response+json': 'g',
  'application/json': 'j',
  'multipart/mixed': 'm',
  'text/event-stream': 's',
};
