import Fastify from 'fastify';
import mercurius from 'mercurius';
import { trivialFeedSchema } from '../trivial-feed.ts';

// Mercurius on Fastify, compiling each query with graphql-jit from its first use (jit: 1).
const app = Fastify({ logger: false });
await app.register(mercurius, { schema: trivialFeedSchema(), jit: 1, graphiql: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on ${address}/graphql`);
