// Preload for a server under `bench:first-tail` (node --import): records, per request that
// carries an x-request-id, when it reached the request handler and when its headers were
// written (epoch ms, so the load generator can match them with its send times), and every
// garbage collection. Written to ARRIVAL_LOG_FILE as JSON on SIGTERM.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const file = process.env.ARRIVAL_LOG_FILE;
if (file) {
  const requests = [];
  const collections = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collections.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind ?? 0]);
  }).observe({ entryTypes: ['gc'] });
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === 'request' && typeof req.headers['x-request-id'] === 'string') {
      const id = req.headers['x-request-id'];
      const arrived = performance.timeOrigin + performance.now();
      const writeHead = res.writeHead;
      res.writeHead = function (...args) {
        requests.push([id, arrived, performance.timeOrigin + performance.now()]);
        res.writeHead = writeHead;
        return writeHead.apply(this, args);
      };
    }
    return emit.apply(this, arguments);
  };
  process.prependOnceListener('SIGTERM', () => {
    writeFileSync(file, JSON.stringify({ requests, collections }));
    process.exit(0);
  });
}
