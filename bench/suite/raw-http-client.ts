import { connect, type Socket } from 'node:net';
import type { Target, Timed } from './http-client.ts';
import { MultipartReader } from './multipart.ts';

/** One keep-alive POST of `body` to the target, as the bytes sent on the wire. */
export function httpRequestBytes(target: Target, body: string, headers: Readonly<Record<string, string>>): string {
  let head = `POST ${target.path} HTTP/1.1\r\nhost: ${target.host}:${target.port}\r\nconnection: keep-alive\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  return `${head}\r\n${body}`;
}

/**
 * The open loop's HTTP/1.1 client: keep-alive connections over raw sockets, each request one
 * prebuilt write, each answer parsed just enough (status, a few headers, Content-Length or
 * chunked body, multipart parts as they complete). node:http's client costs the generator
 * ~60-100 us per request (agent, ClientRequest, IncomingMessage streams, header objects): at
 * thousands of requests per second its own queueing and GC showed up as milliseconds of p99
 * in the floor itself. What is timed here is the server.
 */
export class RawHttpPool {
  private readonly idle: RawConnection[] = [];
  private readonly waiting: Array<(connection: RawConnection) => void> = [];
  private readonly all = new Set<RawConnection>();
  private closed = false;

  constructor(
    private readonly target: Target,
    private readonly maxConnections: number,
  ) {}

  /** Sends one POST; times first and last payload from `from` (a request waiting for a connection is charged for the wait). */
  async send(body: string, headers: Readonly<Record<string, string>>, multipart: boolean, from: number): Promise<Timed> {
    const connection = await this.acquire();
    try {
      return await connection.exchange(httpRequestBytes(this.target, body, headers), multipart, from);
    } finally {
      this.release(connection);
    }
  }

  destroy(): void {
    this.closed = true;
    for (const connection of this.all) connection.destroy();
    this.all.clear();
  }

  private acquire(): Promise<RawConnection> {
    let ready = this.idle.pop();
    while (ready && !ready.usable) ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    if (this.all.size < this.maxConnections) {
      const connection = new RawConnection(this.target, () => this.all.delete(connection));
      this.all.add(connection);
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(connection: RawConnection): void {
    if (this.closed) return;
    const usable = connection.usable ? connection : this.replacement(connection);
    const next = this.waiting.shift();
    if (next) next(usable);
    else this.idle.push(usable);
  }

  /** A connection the server closed is replaced, so the pool keeps its size. */
  private replacement(dead: RawConnection): RawConnection {
    this.all.delete(dead);
    const connection = new RawConnection(this.target, () => this.all.delete(connection));
    this.all.add(connection);
    return connection;
  }
}

interface Exchange {
  readonly multipart: boolean;
  readonly from: number;
  readonly resolve: (answer: Timed) => void;
  readonly reject: (error: Error) => void;
}

/** One keep-alive socket and the parser of the answer it is waiting for (one at a time: no pipelining). */
class RawConnection {
  private readonly socket: Socket;
  private current: Exchange | null = null;
  private alive = true;
  // Parser state of the current answer.
  private head = '';
  private headDone = false;
  private status = 0;
  private serverTiming: string | undefined;
  private contentLength = -1;
  private chunked = false;
  private chunkLeft = 0;
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private sizeLine = '';
  private bodyParts: Buffer[] = [];
  private bodyBytes = 0;
  private reader: MultipartReader | null = null;
  private firstMs = NaN;
  private closeAfter = false;

  constructor(target: Target, onGone: () => void) {
    this.socket = connect({ host: target.host, port: target.port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const gone = (error?: Error) => {
      this.alive = false;
      onGone();
      this.fail(error ?? new Error('connection closed by the server'));
    };
    this.socket.on('error', gone);
    this.socket.on('close', () => gone());
  }

  get usable(): boolean {
    return this.alive;
  }

  exchange(request: string, multipart: boolean, from: number): Promise<Timed> {
    if (!this.alive) return Promise.reject(new Error('connection closed by the server'));
    return new Promise((resolve, reject) => {
      this.current = { multipart, from, resolve, reject };
      this.reset();
      this.socket.write(request);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private reset(): void {
    this.head = '';
    this.headDone = false;
    this.status = 0;
    this.serverTiming = undefined;
    this.contentLength = -1;
    this.chunked = false;
    this.chunkLeft = 0;
    this.chunkState = 'size';
    this.sizeLine = '';
    this.bodyParts = [];
    this.bodyBytes = 0;
    this.reader = null;
    this.firstMs = NaN;
    this.closeAfter = false;
  }

  private fail(error: Error): void {
    const exchange = this.current;
    this.current = null;
    exchange?.reject(error);
  }

  private onData(chunk: Buffer): void {
    if (!this.current) return; // nothing asked: ignore (a late byte after an error)
    let body = chunk;
    if (!this.headDone) {
      // latin1: one character per byte, so string offsets are byte offsets.
      const before = this.head.length;
      this.head += chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (chunk.length > 4096) this.head += chunk.toString('latin1', 4096);
        return;
      }
      body = chunk.subarray(end + 4 - before);
      this.parseHead(this.head.slice(0, end));
      this.headDone = true;
    }
    if (this.chunked) this.onChunkedBody(body);
    else this.onBody(body);
    if (this.contentLength >= 0 && this.bodyBytes >= this.contentLength) this.finish();
  }

  private parseHead(head: string): void {
    const lines = head.split('\r\n');
    this.status = Number(lines[0]!.slice(9, 12));
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') this.contentLength = Number(value);
      else if (name === 'transfer-encoding') this.chunked = value.toLowerCase().includes('chunked');
      else if (name === 'server-timing') this.serverTiming = value;
      else if (name === 'connection') this.closeAfter = value.toLowerCase().includes('close');
      else if (name === 'content-type' && this.current!.multipart && value.startsWith('multipart/mixed')) this.reader = new MultipartReader();
    }
    if (!this.chunked && this.contentLength < 0) this.contentLength = 0; // no body framing: an empty answer
  }

  private onBody(data: Buffer): void {
    if (data.length === 0) return;
    this.bodyBytes += data.length;
    if (this.reader) {
      if (this.reader.push(data) > 0 && Number.isNaN(this.firstMs)) this.firstMs = performance.now() - this.current!.from;
    } else {
      this.bodyParts.push(data);
    }
  }

  private onChunkedBody(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      if (this.chunkState === 'size') {
        const lineEnd = data.indexOf('\n', at);
        if (lineEnd < 0) {
          this.sizeLine += data.toString('latin1', at);
          return;
        }
        this.sizeLine += data.toString('latin1', at, lineEnd);
        at = lineEnd + 1;
        this.chunkLeft = parseInt(this.sizeLine.trim(), 16);
        this.sizeLine = '';
        this.chunkState = this.chunkLeft === 0 ? 'trailer' : 'data';
      } else if (this.chunkState === 'data') {
        const take = Math.min(this.chunkLeft, data.length - at);
        this.onBody(data.subarray(at, at + take));
        at += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkState = 'crlf';
      } else if (this.chunkState === 'crlf') {
        const lineEnd = data.indexOf('\n', at);
        if (lineEnd < 0) return;
        at = lineEnd + 1;
        this.chunkState = 'size';
      } else {
        // After the last chunk: trailers (none expected), then an empty line ends the answer.
        this.sizeLine += data.toString('latin1', at);
        at = data.length;
        if (this.sizeLine.endsWith('\r\n') || this.sizeLine.endsWith('\n')) {
          this.sizeLine = '';
          this.finish();
          return;
        }
      }
    }
  }

  private finish(): void {
    const exchange = this.current!;
    this.current = null;
    const lastMs = performance.now() - exchange.from;
    if (this.closeAfter) {
      // The server closes it after this answer: not reused (the pool opens a new one).
      this.alive = false;
      this.socket.destroy();
    }
    exchange.resolve({
      status: this.status,
      firstMs: Number.isNaN(this.firstMs) ? lastMs : this.firstMs,
      lastMs,
      payloads: this.reader ? this.reader.payloads() : [Buffer.concat(this.bodyParts).toString('utf8')],
      ...(this.serverTiming !== undefined ? { serverTiming: this.serverTiming } : {}),
    });
  }
}
