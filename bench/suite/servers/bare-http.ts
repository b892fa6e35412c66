import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trivialFeedBody } from '../trivial-feed.ts';

// The floor: node:http answering every POST with the peers' exact response bytes, no GraphQL.
const body = Buffer.from(trivialFeedBody());
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body));
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
