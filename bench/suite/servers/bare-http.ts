import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homeFeedHitBody } from '../homefeed-hit-body.ts';
import { trivialFeedBody } from '../trivial-feed.ts';

// The floor: node:http answering every POST with the same response bytes, no GraphQL: the
// peers' trivial feed, or (FLOOR_BODY=homefeed-hit) a HomeFeed cache hit's multipart bytes.
const { body, contentType } =
  process.env.FLOOR_BODY === 'homefeed-hit' ? homeFeedHitBody() : { body: Buffer.from(trivialFeedBody()), contentType: 'application/json; charset=utf-8' };
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': contentType, 'content-length': body.length }).end(body));
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
