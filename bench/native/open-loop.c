/*
 * Open-loop HTTP/1.1 load generator for the latency rows of the benches (bench/suite/native-open-loop.ts
 * builds and drives it). Requests go out at their scheduled times whether or not earlier ones have
 * answered, and each answer is timed from its scheduled send (no coordinated omission), over
 * keep-alive connections, one request at a time per connection (no pipelining).
 *
 * Why native: the Node generator's own event loop (its collections, its parsing of answers beside
 * other answers) showed up as milliseconds of p99 in the floor itself at thousands of requests per
 * second. Each thread here spins on epoll_wait(0) on its own core and parses only what it needs.
 *
 * Input: a file of raw requests, each as "<byte length>\n<bytes>", used in turn. Output (stdout):
 * one JSON object with every sample in milliseconds, the shape of the TypeScript OpenLoopSamples.
 * With --samples, every --sample-every'th good answer's body (chunked transfer decoded) is written
 * to that file as "<byte length>\n<bytes>", so the caller can check whole answers.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD_BYTES 16384
#define READ_BUFFER_BYTES 65536
#define EVENTS_PER_WAIT 256
#define MAX_CORES 256
#define BAD_TEXT_BYTES 200
/* multipart/mixed with boundary "-": a part starts after "\r\n---" (and the next one ends it). */
static const char BOUNDARY[] = "\r\n---";
#define BOUNDARY_BYTES 5

typedef struct {
  char *bytes;
  size_t length;
} Request;

enum State { HEAD, BODY_LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILER, DONE };

typedef struct {
  int fd; /* -1: not open */
  int busy;
  long index;
  double intended_ms;
  const Request *request;
  size_t written;
  int wants_out;
  /* parser of the answer in flight */
  enum State state;
  char head[MAX_HEAD_BYTES];
  size_t head_length;
  int status;
  long content_left;
  int close_after;
  int multipart;
  long chunk_left;
  long chunk_size;
  int chunk_size_digits;
  int chunk_size_ended;
  int trailer_line;
  char *body;
  size_t body_length, body_capacity;
  long part_start, part_body, part_end; /* offsets in body of the first part: after its boundary, its body, its end */
  double first_ms;
} Connection;

typedef struct {
  /* the run: the same in every thread */
  const char *host;
  int port;
  double interval_ms;
  double drain_ms;
  int threads;
  const Request *requests;
  long request_count;
  const char *expect;
  long sample_every;
  double start_ms;
  double end_ms;
  long total;
  /* this thread: requests id, id + threads, ... */
  int id;
  int core;
  int max_connections;
  /* results */
  double *firsts, *lasts, *lags;
  long answered, sent, bad, done, unfinished;
  double last_end_ms;
  char first_bad[BAD_TEXT_BYTES];
  char *samples;
  size_t samples_length, samples_capacity;
} Worker;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void *grow(void *pointer, size_t bytes) {
  void *p = realloc(pointer, bytes);
  if (!p) {
    fprintf(stderr, "open-loop: out of memory\n");
    exit(2);
  }
  return p;
}

static void append(char **buffer, size_t *length, size_t *capacity, const char *bytes, size_t n) {
  if (*length + n > *capacity) {
    *capacity = (*length + n) * 2 + 1024;
    *buffer = grow(*buffer, *capacity);
  }
  memcpy(*buffer + *length, bytes, n);
  *length += n;
}

static void note_bad(Worker *w, const char *why) {
  w->bad++;
  if (!w->first_bad[0]) snprintf(w->first_bad, BAD_TEXT_BYTES, "%s", why);
}

/* A blocking connect (on loopback it returns at once), then non-blocking use. -1 when refused. */
static int open_socket(const Worker *w) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)w->port)};
  if (inet_pton(AF_INET, w->host, &address.sin_addr) != 1 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static void reset_parser(Connection *c) {
  c->state = HEAD;
  c->head_length = 0;
  c->status = 0;
  c->content_left = -1;
  c->close_after = 0;
  c->multipart = 0;
  c->chunk_left = -1;
  c->chunk_size = 0;
  c->chunk_size_digits = 0;
  c->chunk_size_ended = 0;
  c->trailer_line = 0;
  c->body_length = 0;
  c->part_start = c->part_body = c->part_end = -1;
  c->first_ms = -1;
}

/* The value of header `name` (lower case, with ':') in a head, or NULL. */
static const char *header_value(const char *head, const char *name) {
  size_t n = strlen(name);
  for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, name, n) == 0) {
      const char *value = line + 2 + n;
      while (*value == ' ') value++;
      return value;
    }
  }
  return NULL;
}

/* Reads the status line and the headers that frame the body. 0 when the head is usable. */
static int parse_head(Connection *c) {
  c->head[c->head_length] = '\0';
  if (strncmp(c->head, "HTTP/1.", 7) != 0) return -1;
  c->status = atoi(c->head + 9);
  const char *length = header_value(c->head, "content-length:");
  const char *encoding = header_value(c->head, "transfer-encoding:");
  const char *connection = header_value(c->head, "connection:");
  const char *type = header_value(c->head, "content-type:");
  c->close_after = connection && strncasecmp(connection, "close", 5) == 0;
  c->multipart = type && strncasecmp(type, "multipart/mixed", 15) == 0;
  if (encoding && strncasecmp(encoding, "chunked", 7) == 0) {
    c->state = CHUNK_SIZE;
  } else if (length) {
    c->content_left = atol(length);
    c->state = c->content_left > 0 ? BODY_LENGTH : DONE;
  } else if (c->status == 204 || c->status == 304) {
    c->state = DONE;
  } else {
    return -1; /* a body ended by close: not something our servers send */
  }
  return 0;
}

/* The value of `name` (lower case, with ':') among the header lines in bytes [from, to), or -1. */
static long part_header_number(const char *bytes, size_t from, size_t to, const char *name) {
  size_t n = strlen(name);
  for (size_t i = from; i + n <= to; i++) {
    if ((i == from || bytes[i - 1] == '\n') && strncasecmp(bytes + i, name, n) == 0) return atol(bytes + i + n);
  }
  return -1;
}

/*
 * Body bytes (transfer coding removed) are kept. In a multipart answer the first payload is whole
 * once its part's Content-Length bytes are in, or, without one, once the next boundary is.
 */
static void take_body(Connection *c, const char *bytes, size_t n, double at_ms) {
  append(&c->body, &c->body_length, &c->body_capacity, bytes, n);
  if (!c->multipart || c->first_ms >= 0) return;
  if (c->part_start < 0) {
    const char *hit = memmem(c->body, c->body_length, BOUNDARY, BOUNDARY_BYTES);
    if (!hit) return;
    c->part_start = (long)(hit - c->body) + BOUNDARY_BYTES;
  }
  if (c->part_body < 0) {
    const char *end = memmem(c->body + c->part_start, c->body_length - (size_t)c->part_start, "\r\n\r\n", 4);
    if (!end) return;
    c->part_body = (long)(end - c->body) + 4;
    long length = part_header_number(c->body, (size_t)c->part_start, (size_t)c->part_body, "content-length:");
    c->part_end = length >= 0 ? c->part_body + length : -1;
  }
  if (c->part_end >= 0 ? (long)c->body_length >= c->part_end
                       : memmem(c->body + c->part_body, c->body_length - (size_t)c->part_body, BOUNDARY, BOUNDARY_BYTES) != NULL) {
    c->first_ms = at_ms;
  }
}

/* Takes up to `*left` of the n bytes as body; returns how many it took. */
static size_t take_counted(Connection *c, const char *bytes, size_t n, long *left, double at_ms) {
  size_t take = (size_t)*left < n ? (size_t)*left : n;
  take_body(c, bytes, take, at_ms);
  *left -= (long)take;
  return take;
}

/* Feeds received bytes to the parser; returns how many were used (the rest belong to nothing: an error). */
static size_t parse(Connection *c, const char *bytes, size_t n, double at_ms, int *failed) {
  size_t i = 0;
  while (i < n && c->state != DONE) {
    switch (c->state) {
      case HEAD: {
        if (c->head_length + 1 >= MAX_HEAD_BYTES) {
          *failed = 1;
          return i;
        }
        c->head[c->head_length++] = bytes[i++];
        if (c->head_length >= 4 && memcmp(c->head + c->head_length - 4, "\r\n\r\n", 4) == 0 && parse_head(c) != 0) {
          *failed = 1;
          return i;
        }
        break;
      }
      case BODY_LENGTH: {
        i += take_counted(c, bytes + i, n - i, &c->content_left, at_ms);
        if (c->content_left == 0) c->state = DONE;
        break;
      }
      case CHUNK_SIZE: {
        char ch = bytes[i++];
        if (ch == '\n') {
          if (c->chunk_size_digits == 0) {
            *failed = 1;
            return i;
          }
          c->chunk_left = c->chunk_size;
          c->state = c->chunk_size == 0 ? TRAILER : CHUNK_DATA;
          c->chunk_size = 0;
          c->chunk_size_digits = 0;
          c->chunk_size_ended = 0;
          c->trailer_line = 0;
        } else if (!c->chunk_size_ended && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) {
          c->chunk_size = c->chunk_size * 16 + (ch <= '9' ? ch - '0' : (ch | 32) - 'a' + 10);
          c->chunk_size_digits++;
        } else {
          c->chunk_size_ended = 1; /* ';' extensions or '\r' */
        }
        break;
      }
      case CHUNK_DATA: {
        i += take_counted(c, bytes + i, n - i, &c->chunk_left, at_ms);
        if (c->chunk_left == 0) c->state = CHUNK_CRLF;
        break;
      }
      case CHUNK_CRLF: {
        if (bytes[i++] == '\n') c->state = CHUNK_SIZE;
        break;
      }
      case TRAILER: {
        /* Trailer lines until an empty one. */
        char ch = bytes[i++];
        if (ch == '\n') {
          if (c->trailer_line == 0) c->state = DONE;
          c->trailer_line = 0;
        } else if (ch != '\r') {
          c->trailer_line++;
        }
        break;
      }
      case DONE:
        break;
    }
  }
  return i;
}

typedef struct {
  long *items;
  long head, length, capacity;
} Queue;

static void push(Queue *q, long index) {
  q->items[(q->head + q->length++) % q->capacity] = index;
}

static long pop(Queue *q) {
  long index = q->items[q->head];
  q->head = (q->head + 1) % q->capacity;
  q->length--;
  return index;
}

typedef struct {
  Worker *w;
  int epoll;
  Connection *connections;
  int *idle; /* a stack: the connection used last goes out first, so rarely used ones are the ones a server times out */
  int idle_count;
  int open_count;
} Loop;

static void watch(Loop *l, int slot, int out) {
  Connection *c = &l->connections[slot];
  struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0), .data.u32 = (uint32_t)slot};
  epoll_ctl(l->epoll, EPOLL_CTL_MOD, c->fd, &event);
  c->wants_out = out;
}

static void close_connection(Loop *l, int slot) {
  Connection *c = &l->connections[slot];
  if (c->fd < 0) return;
  epoll_ctl(l->epoll, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  c->busy = 0;
  l->open_count--;
  for (int i = 0; i < l->idle_count; i++) {
    if (l->idle[i] == slot) {
      l->idle[i] = l->idle[--l->idle_count];
      break;
    }
  }
}

/* An answer ended (or failed): the request is settled and the connection free again. */
static void settle(Loop *l, int slot, const char *problem, double at_ms) {
  Worker *w = l->w;
  Connection *c = &l->connections[slot];
  c->busy = 0;
  w->done++;
  if (at_ms > w->last_end_ms) w->last_end_ms = at_ms;
  if (problem) {
    note_bad(w, problem);
  } else {
    double last = at_ms - c->intended_ms;
    w->firsts[w->answered] = c->first_ms >= 0 ? c->first_ms - c->intended_ms : last;
    w->lasts[w->answered] = last;
    w->answered++;
    if (w->sample_every > 0 && c->index % w->sample_every == 0) {
      char line[32];
      int n = snprintf(line, sizeof line, "%zu\n", c->body_length);
      append(&w->samples, &w->samples_length, &w->samples_capacity, line, (size_t)n);
      append(&w->samples, &w->samples_length, &w->samples_capacity, c->body, c->body_length);
    }
  }
  if (problem || c->close_after) close_connection(l, slot);
  else l->idle[l->idle_count++] = slot;
}

static void write_more(Loop *l, int slot) {
  Connection *c = &l->connections[slot];
  while (c->written < c->request->length) {
    ssize_t n = write(c->fd, c->request->bytes + c->written, c->request->length - c->written);
    if (n > 0) {
      c->written += (size_t)n;
    } else if (n < 0 && errno == EAGAIN) {
      if (!c->wants_out) watch(l, slot, 1);
      return;
    } else {
      settle(l, slot, "write failed", now_ms());
      return;
    }
  }
  if (c->wants_out) watch(l, slot, 0);
}

/* A free connection (an idle one, or a new one under the limit), or -1. */
static int free_connection(Loop *l) {
  if (l->idle_count > 0) return l->idle[--l->idle_count];
  if (l->open_count >= l->w->max_connections) return -1;
  for (int slot = 0; slot < l->w->max_connections; slot++) {
    Connection *c = &l->connections[slot];
    if (c->fd >= 0) continue;
    c->fd = open_socket(l->w);
    if (c->fd < 0) return -2;
    struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)slot};
    epoll_ctl(l->epoll, EPOLL_CTL_ADD, c->fd, &event);
    c->wants_out = 0;
    l->open_count++;
    return slot;
  }
  return -1;
}

static void start_request(Loop *l, int slot, long index) {
  Worker *w = l->w;
  Connection *c = &l->connections[slot];
  c->busy = 1;
  c->index = index;
  c->intended_ms = w->start_ms + (double)index * w->interval_ms;
  c->request = &w->requests[index % w->request_count];
  c->written = 0;
  reset_parser(c);
  write_more(l, slot);
}

static void on_readable(Loop *l, int slot, char *buffer) {
  Connection *c = &l->connections[slot];
  for (;;) {
    ssize_t n = read(c->fd, buffer, READ_BUFFER_BYTES);
    if (n < 0 && errno == EAGAIN) return;
    double at = now_ms();
    if (n <= 0) {
      /* The server closed the connection (an idle keep-alive timing out, or mid-answer). */
      if (c->busy) settle(l, slot, "connection closed by the server", at);
      close_connection(l, slot);
      return;
    }
    if (!c->busy) {
      close_connection(l, slot); /* bytes nobody asked for */
      return;
    }
    int failed = 0;
    size_t used = parse(c, buffer, (size_t)n, at, &failed);
    if (failed || (c->state == DONE && used < (size_t)n)) {
      settle(l, slot, failed ? "answer not understood" : "bytes after the answer", at);
      return;
    }
    if (c->state == DONE) {
      char problem[BAD_TEXT_BYTES];
      const char *why = NULL;
      if (c->status != 200) {
        snprintf(problem, sizeof problem, "HTTP %d: %.*s", c->status, (int)(c->body_length < 120 ? c->body_length : 120), c->body ? c->body : "");
        why = problem;
      } else if (l->w->expect && (!c->body || !memmem(c->body, c->body_length, l->w->expect, strlen(l->w->expect)))) {
        snprintf(problem, sizeof problem, "answer without %s", l->w->expect);
        why = problem;
      }
      settle(l, slot, why, at);
      return;
    }
  }
}

static void *run_worker(void *argument) {
  Worker *w = argument;
  if (w->core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w->core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  Loop l = {.w = w, .epoll = epoll_create1(0)};
  l.connections = calloc((size_t)w->max_connections, sizeof(Connection));
  l.idle = calloc((size_t)w->max_connections, sizeof(int));
  for (int i = 0; i < w->max_connections; i++) l.connections[i].fd = -1;
  long mine = w->total > w->id ? (w->total - w->id + w->threads - 1) / w->threads : 0;
  Queue waiting = {.items = calloc((size_t)mine + 1, sizeof(long)), .capacity = mine + 1};
  char *buffer = malloc(READ_BUFFER_BYTES);
  struct epoll_event events[EVENTS_PER_WAIT];
  long next = w->id;

  while (now_ms() < w->start_ms) {
  }
  for (;;) {
    double now = now_ms();
    /* Everything now due joins the queue, then the queue takes the free connections in order. */
    while (next < w->total && w->start_ms + (double)next * w->interval_ms <= now) {
      w->lags[w->sent++] = now - (w->start_ms + (double)next * w->interval_ms);
      push(&waiting, next);
      next += w->threads;
    }
    while (waiting.length > 0) {
      int slot = free_connection(&l);
      if (slot == -1) break;
      long index = pop(&waiting);
      if (slot == -2) {
        w->done++;
        note_bad(w, "connect refused");
        continue;
      }
      start_request(&l, slot, index);
    }
    if (w->done == mine) break;
    if (now > w->end_ms + w->drain_ms) break;
    int n = epoll_wait(l.epoll, events, EVENTS_PER_WAIT, 0);
    for (int e = 0; e < n; e++) {
      int slot = (int)events[e].data.u32;
      Connection *c = &l.connections[slot];
      if (c->fd < 0) continue;
      if ((events[e].events & EPOLLOUT) && c->busy) write_more(&l, slot);
      if (c->fd >= 0 && (events[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) on_readable(&l, slot, buffer);
    }
  }
  w->unfinished = mine - w->done;
  for (int i = 0; i < w->max_connections; i++) close_connection(&l, i);
  close(l.epoll);
  free(buffer);
  free(waiting.items);
  free(l.idle);
  for (int i = 0; i < w->max_connections; i++) free(l.connections[i].body);
  free(l.connections);
  return NULL;
}

static Request *read_requests(const char *path, long *count) {
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  Request *requests = NULL;
  long n = 0, capacity = 0;
  size_t length;
  while (fscanf(file, "%zu", &length) == 1 && fgetc(file) == '\n') {
    if (n == capacity) requests = grow(requests, (size_t)(capacity = capacity * 2 + 16) * sizeof(Request));
    requests[n].bytes = grow(NULL, length);
    requests[n].length = length;
    if (fread(requests[n].bytes, 1, length, file) != length) break;
    n++;
  }
  fclose(file);
  *count = n;
  return requests;
}

static void print_numbers(const char *name, Worker *workers, int threads, int which) {
  printf("\"%s\":[", name);
  int first = 1;
  for (int t = 0; t < threads; t++) {
    Worker *w = &workers[t];
    long count = which == 2 ? w->sent : w->answered;
    double *values = which == 0 ? w->firsts : which == 1 ? w->lasts : w->lags;
    for (long i = 0; i < count; i++) {
      printf(first ? "%.4f" : ",%.4f", values[i]);
      first = 0;
    }
  }
  printf("]");
}

static void print_json_string(const char *text) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static const char USAGE[] =
    "usage: open-loop --port P --rate R --seconds S --requests FILE [--host 127.0.0.1] [--drain-ms 2000]\n"
    "                 [--connections 50] [--threads 1] [--cores 1,2,...] [--expect TEXT]\n"
    "                 [--samples FILE --sample-every N]\n";

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *requests_path = NULL, *expect = NULL, *samples_path = NULL, *cores_text = NULL;
  int port = 0, connections = 50, threads = 1;
  double rate = 0, seconds = 0, drain_ms = 2000;
  long sample_every = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *name = argv[i], *value = argv[i + 1];
    if (!strcmp(name, "--host")) host = value;
    else if (!strcmp(name, "--port")) port = atoi(value);
    else if (!strcmp(name, "--rate")) rate = atof(value);
    else if (!strcmp(name, "--seconds")) seconds = atof(value);
    else if (!strcmp(name, "--drain-ms")) drain_ms = atof(value);
    else if (!strcmp(name, "--connections")) connections = atoi(value);
    else if (!strcmp(name, "--threads")) threads = atoi(value);
    else if (!strcmp(name, "--cores")) cores_text = value;
    else if (!strcmp(name, "--requests")) requests_path = value;
    else if (!strcmp(name, "--expect")) expect = value;
    else if (!strcmp(name, "--samples")) samples_path = value;
    else if (!strcmp(name, "--sample-every")) sample_every = atol(value);
    else {
      fprintf(stderr, "open-loop: unknown option %s\n%s", name, USAGE);
      return 2;
    }
  }
  if (argc % 2 != 1 || port <= 0 || rate <= 0 || seconds <= 0 || !requests_path || threads < 1 || connections < threads) {
    fputs(USAGE, stderr);
    return 2;
  }
  long request_count = 0;
  Request *requests = read_requests(requests_path, &request_count);
  if (!requests || request_count == 0) {
    fprintf(stderr, "open-loop: no requests in %s\n", requests_path);
    return 2;
  }
  int cores[MAX_CORES], core_count = 0;
  for (const char *p = cores_text; p && *p && core_count < MAX_CORES;) {
    cores[core_count++] = atoi(p);
    p = strchr(p, ',');
    if (p) p++;
  }

  long total = (long)(rate * seconds + 0.5);
  if (total < 1) total = 1;
  Worker *workers = calloc((size_t)threads, sizeof(Worker));
  pthread_t *ids = calloc((size_t)threads, sizeof(pthread_t));
  /* Threads start together a little later, when all of them exist. */
  double start_ms = now_ms() + 50;
  for (int t = 0; t < threads; t++) {
    Worker *w = &workers[t];
    long mine = (total - t + threads - 1) / threads;
    *w = (Worker){
        .host = host, .port = port, .interval_ms = 1000.0 / rate, .drain_ms = drain_ms, .threads = threads,
        .requests = requests, .request_count = request_count, .expect = expect, .sample_every = samples_path ? sample_every : 0,
        .start_ms = start_ms, .end_ms = start_ms + seconds * 1000, .total = total, .id = t,
        .core = core_count > 0 ? cores[t % core_count] : -1,
        .max_connections = connections / threads + (t < connections % threads ? 1 : 0),
        .firsts = calloc((size_t)mine + 1, sizeof(double)), .lasts = calloc((size_t)mine + 1, sizeof(double)),
        .lags = calloc((size_t)mine + 1, sizeof(double)), .last_end_ms = start_ms,
    };
    pthread_create(&ids[t], NULL, run_worker, w);
  }
  long bad = 0, unfinished = 0;
  double last_end_ms = start_ms;
  const char *first_bad = NULL;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    Worker *w = &workers[t];
    bad += w->bad + w->unfinished;
    unfinished += w->unfinished;
    if (w->last_end_ms > last_end_ms) last_end_ms = w->last_end_ms;
    if (!first_bad && w->first_bad[0]) first_bad = w->first_bad;
  }
  double elapsed_s = (last_end_ms - start_ms) / 1000 > seconds ? (last_end_ms - start_ms) / 1000 : seconds;

  if (samples_path) {
    FILE *file = fopen(samples_path, "wb");
    if (!file) {
      fprintf(stderr, "open-loop: cannot write %s\n", samples_path);
      return 2;
    }
    for (int t = 0; t < threads; t++) fwrite(workers[t].samples, 1, workers[t].samples_length, file);
    fclose(file);
  }
  printf("{\"offeredRps\":%.3f,\"elapsedS\":%.4f,\"sent\":%ld,\"bad\":%ld,\"unfinished\":%ld,", rate, elapsed_s, total, bad, unfinished);
  print_numbers("firsts", workers, threads, 0);
  putchar(',');
  print_numbers("lasts", workers, threads, 1);
  putchar(',');
  print_numbers("lags", workers, threads, 2);
  printf(",\"tags\":{}");
  if (first_bad || unfinished) {
    char text[BAD_TEXT_BYTES + 64];
    if (first_bad) snprintf(text, sizeof text, "%s", first_bad);
    else snprintf(text, sizeof text, "%ld unanswered after the drain time", unfinished);
    printf(",\"firstBad\":");
    print_json_string(text);
  }
  printf("}\n");
  return 0;
}
