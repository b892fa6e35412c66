/**
 * Incremental reader of Yoga's multipart/mixed answers (boundary "-"): each part carries a
 * Content-Length, so a part is complete as soon as that many bytes follow its headers. Lets the
 * load generator time the first payload without waiting for the end of the response.
 */
export class MultipartReader {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly parts: string[] = [];

  /** Adds a chunk; returns how many parts are complete so far. */
  push(chunk: Buffer): number {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headersEnd = this.buffer.indexOf('\r\n\r\n');
      if (headersEnd < 0) break;
      const headers = this.buffer.subarray(0, headersEnd).toString('latin1');
      const length = /content-length:\s*(\d+)/i.exec(headers);
      if (!length) break; // not a part of ours: the checks report the payload count
      const start = headersEnd + 4;
      const end = start + Number(length[1]);
      if (this.buffer.length < end) break;
      this.parts.push(this.buffer.subarray(start, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end);
    }
    return this.parts.length;
  }

  /** The JSON text of every complete part, in order. */
  payloads(): readonly string[] {
    return this.parts;
  }
}

/** Every payload of a whole multipart/mixed body (autocannon hands the body over at once). */
export function multipartPayloads(body: string): readonly string[] {
  const reader = new MultipartReader();
  reader.push(Buffer.from(body, 'utf8'));
  return reader.payloads();
}
