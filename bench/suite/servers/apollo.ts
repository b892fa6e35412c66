import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { trivialFeedSchema } from '../trivial-feed.ts';

// Apollo Server 5, standalone (its own node:http integration), free-text queries.
const server = new ApolloServer({ schema: trivialFeedSchema() });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
console.log(`listening on ${url.replace(/\/$/, '')}/graphql`);
