import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { trivialFeedSchema } from '../trivial-feed.ts';

// GraphQL Yoga with its defaults (parse and validation caches on), free-text queries.
const yoga = createYoga({ schema: trivialFeedSchema(), graphiql: false, landingPage: false, logging: 'warn' });
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
