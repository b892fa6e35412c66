import { describe, expect, it } from 'vitest';
import { dropped, markMoves, moveText, moveWords } from '../../src/gateway/demo/static/feed-diff.js';
import { boundaryOf, createMultipartParser, readPayloads, type MultipartPart } from '../../src/gateway/demo/static/multipart.js';

describe('demo page: move marks', () => {
  it('marks each refined item by how far it moved from its coarse place', () => {
    const marks = markMoves(['a', 'b', 'c', 'd'], ['c', 'a', 'e', 'b']);
    expect(marks.map((m) => [m.id, m.move, m.delta])).toEqual([
      ['c', 'up', 2],
      ['a', 'down', -1],
      ['e', 'new', null],
      ['b', 'down', -2],
    ]);
    expect(marks.map(moveText)).toEqual(['▲2', '▼1', 'new', '▼2']);
    expect(moveWords(marks[0]!)).toBe('moved up 2 places');
    expect(moveWords(marks[1]!)).toBe('moved down 1 place');
    expect(dropped(['a', 'b', 'c', 'd'], ['c', 'a', 'e', 'b'])).toEqual(['d']);
  });

  it('marks an unchanged order as same', () => {
    expect(markMoves(['a', 'b'], ['a', 'b']).map(moveText)).toEqual(['=', '=']);
  });
});

describe('demo page: multipart parser', () => {
  // What Yoga sends for a deferred feed: CRLF, "---", then a part per payload, closed by "-----".
  const first = JSON.stringify({ data: { feed: { coarse: { items: [] } } }, hasNext: true });
  const second = JSON.stringify({ incremental: [{ data: { refined: { items: [] } }, path: ['feed'] }], hasNext: false });
  const part = (json: string) => `\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n---`;
  const body = `\r\n---${part(first)}${part(second)}--\r\n`;

  it('reads the boundary, quoted or not', () => {
    expect(boundaryOf('multipart/mixed; boundary="-"')).toBe('-');
    expect(boundaryOf('multipart/mixed;boundary=graphql;charset=utf-8')).toBe('graphql');
    expect(boundaryOf('application/json')).toBeNull();
  });

  it('emits every part whatever the chunking, and sees the close delimiter', () => {
    for (const size of [1, 2, 3, 7, 64, body.length]) {
      const parts: MultipartPart[] = [];
      const parser = createMultipartParser('-', (p) => parts.push(p));
      for (let i = 0; i < body.length; i += size) parser.push(body.slice(i, i + size));
      expect(parts.map((p) => JSON.parse(p.body))).toEqual([JSON.parse(first), JSON.parse(second)]);
      expect(parts[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(parser.closed).toBe(true);
    }
  });

  it('emits a part as soon as the next delimiter arrives, before the stream ends', () => {
    const parts: MultipartPart[] = [];
    const parser = createMultipartParser('-', (p) => parts.push(p));
    parser.push(`\r\n---${part(first)}`);
    expect(parts).toHaveLength(1);
    expect(parser.closed).toBe(false);
  });

  it('drops a preamble and accepts a part without headers', () => {
    const parts: MultipartPart[] = [];
    const parser = createMultipartParser('b', (p) => parts.push(p));
    parser.push('ignored preamble\r\n--b\r\n\r\n{"x":1}\r\n--b--');
    expect(parts).toEqual([{ headers: {}, body: '{"x":1}' }]);
    expect(parser.closed).toBe(true);
  });

  it('yields the payloads of a streamed Response, or the one JSON body of a plain one', async () => {
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 5) controller.enqueue(encoder.encode(body.slice(i, i + 5)));
        controller.close();
      },
    });
    const multipart = new Response(stream, { headers: { 'content-type': 'multipart/mixed; boundary="-"' } });
    const payloads = [];
    for await (const payload of readPayloads(multipart)) payloads.push(payload);
    expect(payloads).toEqual([JSON.parse(first), JSON.parse(second)]);

    const plain = new Response('{"errors":[{"message":"no"}]}', { headers: { 'content-type': 'application/json' } });
    const single = [];
    for await (const payload of readPayloads(plain)) single.push(payload);
    expect(single).toEqual([{ errors: [{ message: 'no' }] }]);
  });
});
