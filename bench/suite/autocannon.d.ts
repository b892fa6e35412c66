// The part of autocannon 8's API the suite uses (the package ships no types).
declare module 'autocannon' {
  interface RawRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    /** Requests per second across all connections (paced, not closed loop). */
    overallRate?: number;
    requests?: { method?: string; setupRequest?: (request: RawRequest) => RawRequest }[];
    verifyBody?: (body: string) => boolean;
  }
  interface Histogram {
    p50: number;
    p99: number;
    p99_9: number;
    max: number;
  }
  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    '2xx': number;
    latency: Histogram;
    requests: Histogram & { total: number };
  }
  export default function autocannon(options: Options): Promise<Result>;
}
