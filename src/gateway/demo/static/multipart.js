// Incremental multipart/mixed reader for GraphQL incremental delivery (@defer), no dependencies.
// Runs in the browser (the demo page) and under Node (its unit test).

/** The boundary parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType) {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '');
  return match ? (match[1] ?? match[2]) : null;
}

/**
 * A push parser: feed it decoded text as it arrives; it calls onPart({ headers, body }) once
 * per complete part (headers lower-cased, body the raw text) and sets `closed` at the close
 * delimiter. A delimiter is CRLF "--" boundary (RFC 2046); the text before the first one is
 * the preamble and is dropped.
 */
export function createMultipartParser(boundary, onPart) {
  const delimiter = `\r\n--${boundary}`;
  // A leading CRLF lets a delimiter at the very start of the body match like the others.
  let buffer = '\r\n';
  let started = false;
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    push(text) {
      if (closed) return;
      buffer += text;
      for (;;) {
        if (!started) {
          const at = buffer.indexOf(delimiter);
          if (at < 0) {
            buffer = buffer.slice(Math.max(0, buffer.length - delimiter.length + 1));
            return;
          }
          buffer = buffer.slice(at + delimiter.length);
          started = true;
          continue;
        }
        // The buffer starts right after a delimiter: "--" closes, anything else opens a part.
        if (buffer.length < 2) return;
        if (buffer.startsWith('--')) {
          closed = true;
          buffer = '';
          return;
        }
        const next = buffer.indexOf(delimiter);
        if (next < 0) return;
        const raw = buffer.slice(0, next);
        buffer = buffer.slice(next + delimiter.length);
        onPart(splitPart(raw));
      }
    },
  };
}

function splitPart(raw) {
  // Transport padding up to the end of the delimiter line, then headers, a blank line, the body.
  const lineEnd = raw.indexOf('\r\n');
  const rest = lineEnd < 0 ? '' : raw.slice(lineEnd + 2);
  let head = '';
  let body = rest;
  if (rest.startsWith('\r\n')) body = rest.slice(2);
  else {
    const blank = rest.indexOf('\r\n\r\n');
    if (blank >= 0) {
      head = rest.slice(0, blank);
      body = rest.slice(blank + 4);
    } else {
      head = rest;
      body = '';
    }
  }
  const headers = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/**
 * The JSON payloads of a fetch Response as they arrive: each part of a multipart/mixed
 * answer, or the one JSON body of any other answer (an error, a cached full result).
 */
export async function* readPayloads(response) {
  const boundary = /^multipart\/mixed/i.test(response.headers.get('content-type') || '') ? boundaryOf(response.headers.get('content-type')) : null;
  if (!boundary || !response.body) {
    yield await response.json();
    return;
  }
  const ready = [];
  const parser = createMultipartParser(boundary, (part) => {
    const type = part.headers['content-type'] || 'application/json';
    if (part.body.trim() !== '' && /json/i.test(type)) ready.push(JSON.parse(part.body));
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!parser.closed) {
      const { done, value } = await reader.read();
      parser.push(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      while (ready.length > 0) yield ready.shift();
      if (done) break;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
