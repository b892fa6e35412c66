/**
 * The bytes of a HomeFeed response-cache hit as the gateway writes it over multipart/mixed
 * (one part: coarse and refined, 20 items each, and the hit extension), built without a
 * gateway, for the node:http floor to send: the floor for HomeFeed hits must send the same
 * number of bytes in the same framing.
 */
const WORDS = ['Glass', 'Stranger', 'Eternal', 'Reckoning', 'Silent', 'Engine', 'Hunter', 'Berlin', 'Garden', 'Carnival', 'Widow', 'Lantern'];
const GENRES = ['Comedy', 'Drama', 'Thriller', 'Sci-Fi', 'Romance', 'Mystery', 'Adventure'];
const ITEMS = 20;

function ranking(stage: 'COARSE' | 'REFINED', offset: number): unknown {
  return {
    stage,
    source: 'ANN',
    model: stage === 'REFINED' ? 'ranker-light@1' : null,
    degraded: false,
    degradedReason: null,
    latencyMs: stage === 'REFINED' ? 4.412 : 2.671,
    items: Array.from({ length: ITEMS }, (_, i) => {
      const n = offset + i * 7919;
      return {
        position: i + 1,
        score: 1 / (i + 1.37) + 0.000123456789,
        item: {
          id: String(10_000 + (n % 90_000)),
          title: `The ${WORDS[n % WORDS.length]} ${WORDS[(n >> 3) % WORDS.length]}`,
          genres: [GENRES[n % GENRES.length], GENRES[(n >> 2) % GENRES.length]],
          year: 1950 + (n % 70),
        },
      };
    }),
  };
}

export function homeFeedHitBody(): { body: Buffer; contentType: string } {
  const json = JSON.stringify({
    data: { feed: { viewer: { id: '1', anonymous: false }, surface: 'HOME', coarse: ranking('COARSE', 11), refined: ranking('REFINED', 5) } },
    extensions: { responseCache: { hit: true } },
  });
  const part = `\r\n---\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n-----\r\n`;
  return { body: Buffer.from(part), contentType: 'multipart/mixed; boundary="-"' };
}
