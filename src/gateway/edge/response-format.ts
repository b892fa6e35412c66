/** The response forms the edge can write a cached answer in (the ones Yoga writes). */
export type ResponseFormat = 'application/graphql-response+json' | 'application/json' | 'multipart/mixed' | 'text/event-stream';

const FORMATS: readonly ResponseFormat[] = ['application/graphql-response+json', 'application/json', 'multipart/mixed', 'text/event-stream'];

/** Formats by Accept header seen (bounded; dropped whole when full). */
const NEGOTIATED_ENTRIES = 256;
const NEGOTIATED_MAX_LENGTH = 256;
const negotiated = new Map<string, ResponseFormat | null>();

/**
 * The form an Accept header asks for, as Yoga chooses it: the first listed media type it can
 * write (parameters such as `deferSpec` or `q` ignored); no Accept, or `*` + `/*`, means
 * JSON. null = leave the request to Yoga (other wildcards, or nothing it can write: Yoga
 * answers those itself).
 */
export function negotiateFormat(accept: string | undefined): ResponseFormat | null {
  if (accept === undefined) return 'application/json';
  // Clients send a handful of distinct Accept headers: each is parsed once.
  const known = negotiated.get(accept);
  if (known !== undefined) return known;
  const format = parseAccept(accept);
  if (negotiated.size >= NEGOTIATED_ENTRIES) negotiated.clear();
  if (accept.length <= NEGOTIATED_MAX_LENGTH) negotiated.set(accept, format);
  return format;
}

function parseAccept(accept: string): ResponseFormat | null {
  if (accept.trim() === '') return 'application/json';
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
