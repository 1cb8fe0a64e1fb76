// Load generator for the listenconfig benchmarks. C, single-threaded,
// epoll: it must never be the bottleneck, and a Node client would compete
// with the server for the same two cores. Only loopback addresses are
// accepted (the bench's rule: traffic stays on this machine).
//
//   loadgen rate  HOST PORT CONC SECONDS   CONC clients in a closed loop:
//       connect, wait for the server to close (EOF), close. Prints
//       {"connections":n,"errors":e,"seconds":s}.
//   loadgen burst HOST PORT N TIMEOUT_MS   N connects issued at once; each
//       connection stays open until every connect has finished, so the
//       server's queue holds them all. Prints the connect times.
//   loadgen hold  HOST PORT N TIMEOUT_MS   N clients at once, each sends one
//       byte and waits for the server to close; prints the completion times.
//   loadgen idle  HOST PORT N TIMEOUT_MS   N connections opened and kept,
//       each sends one byte; prints {"connected":k,"failed":f} once every connect has
//       finished, then holds them until stdin ends (the idle connections
//       of the cost-growth scenario).
//
// Every client closes with SO_LINGER {1, 0} (an RST): no TIME_WAIT, so a
// long run does not exhaust the ephemeral ports.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, WAITING_EOF, DONE };

typedef struct {
  int fd;
  int state;
  int64_t start_ns;
  int64_t took_ns;  // -1: failed
} client_t;

static struct sockaddr_storage addr;
static socklen_t addrlen;
static int ep;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char* what) {
  perror(what);
  exit(2);
}

// An RST instead of a FIN: see the header comment.
static void close_rst(int fd) {
  struct linger l = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

// Starts a non-blocking connect; the epoll entry points at the client.
// Returns 0, or -1 if connect failed at once (the client is then done).
static int start_connect(client_t* c) {
  c->start_ns = now_ns();
  c->state = CONNECTING;
  c->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die("socket");
  int r = connect(c->fd, (struct sockaddr*)&addr, addrlen);
  if (r < 0 && errno != EINPROGRESS) {
    close_rst(c->fd);
    c->fd = -1;
    return -1;
  }
  // Edge-triggered for both the connect (EPOLLOUT) and the server's close
  // (EPOLLIN/RDHUP): one epoll_ctl per connection, none to switch between.
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
  return 0;
}

// The connect finished: it failed if epoll says EPOLLERR (or a hang-up
// before it was ever writable), which saves a getsockopt(SO_ERROR) per
// connection.
static int connect_failed(uint32_t events) {
  return (events & EPOLLERR) || !(events & EPOLLOUT);
}

static void finish(client_t* c, int ok) {
  c->took_ns = ok ? now_ns() - c->start_ns : -1;
  c->state = DONE;
  close_rst(c->fd);
  c->fd = -1;
}

static void raise_nofile(int need) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  // With CAP_SYS_RESOURCE the hard limit may be raised too (up to
  // fs.nr_open); without it (this bench's VM) the bench splits a large N
  // across generator processes instead.
  if ((rlim_t)need > rl.rlim_cur) {
    struct rlimit up = {(rlim_t)need, (rlim_t)need};
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) rl = up;
  }
  if ((rlim_t)need > rl.rlim_cur) {
    fprintf(stderr, "loadgen: need %d descriptors, the hard limit is %ld\n", need, (long)rl.rlim_max);
    exit(2);
  }
}

static void parse_addr(const char* host, const char* port) {
  struct sockaddr_in* a4 = (struct sockaddr_in*)&addr;
  struct sockaddr_in6* a6 = (struct sockaddr_in6*)&addr;
  memset(&addr, 0, sizeof addr);
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127) goto not_loopback;
    a4->sin_family = AF_INET;
    a4->sin_port = htons(atoi(port));
    addrlen = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)) goto not_loopback;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(atoi(port));
    addrlen = sizeof *a6;
  } else {
    goto not_loopback;
  }
  return;
not_loopback:
  fprintf(stderr, "loadgen: %s is not a loopback address\n", host);
  exit(2);
}

// Closed loop: each client reconnects as soon as its previous connection
// was closed by the server, so the rate is the server's accept rate.
static int run_rate(int conc, double seconds) {
  client_t* cs = calloc(conc, sizeof *cs);
  long done = 0, errors = 0;
  int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9);
  for (int i = 0; i < conc; i++)
    if (start_connect(&cs[i]) < 0) errors++;

  struct epoll_event evs[256];
  int64_t t;
  while ((t = now_ns()) < end) {
    int n = epoll_wait(ep, evs, 256, (int)((end - t) / 1000000) + 1);
    for (int i = 0; i < n; i++) {
      client_t* c = evs[i].data.ptr;
      uint32_t e = evs[i].events;
      if (c->state == CONNECTING) {
        if (connect_failed(e)) {
          errors++;
        } else {
          c->state = WAITING_EOF;
          // The server's close may arrive in the same event as the connect.
          if (!(e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) continue;
          done++;
        }
      } else {
        done++;
      }
      close_rst(c->fd);
      // Reconnect at once; a connect refused outright leaves the client idle
      // (the server is gone or refusing: the error count says so).
      if (start_connect(c) < 0) errors++;
    }
  }
  double el = (now_ns() - t0) / 1e9;
  printf("{\"connections\":%ld,\"errors\":%ld,\"seconds\":%.3f}\n", done, errors, el);
  return 0;
}

// burst and hold: n clients started back to back, each timed on its own.
static int run_once(int n, int timeout_ms, int hold) {
  client_t* cs = calloc(n, sizeof *cs);
  for (int i = 0; i < n; i++) cs[i].fd = -1;
  int pending = n;
  int started = 0;
  int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
  struct epoll_event evs[256];
  int64_t t;
  while (pending > 0 && (t = now_ns()) < deadline) {
    // Start the clients in slices, polling between them: a client's time is
    // then not inflated by the time taken to start all the others.
    for (int end = started + 64; started < n && started < end; started++) {
      if (start_connect(&cs[started]) < 0) {
        cs[started].took_ns = -1;
        cs[started].state = DONE;
        pending--;
      }
    }
    int wait_ms = started < n ? 0 : (int)((deadline - t) / 1000000) + 1;
    int k = epoll_wait(ep, evs, 256, wait_ms);
    for (int i = 0; i < k; i++) {
      client_t* c = evs[i].data.ptr;
      uint32_t e = evs[i].events;
      if (c->state == DONE) continue;  // a later event of a kept connection
      if (c->state == CONNECTING) {
        int ok = !connect_failed(e);
        if (ok && hold) {
          // Speak first, as an HTTP client does. A client that sends nothing
          // can hang for ever when the server's queue overflowed: the
          // kernel dropped its final ACK (with SYN cookies, no SYN-ACK is
          // ever retransmitted), so only a data segment, retransmitted by
          // the client, completes the handshake once the queue has room.
          if (write(c->fd, "x", 1) < 0) {
            finish(c, 0);
            pending--;
            continue;
          }
          c->state = WAITING_EOF;
          if (!(e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) continue;
          finish(c, 1);
        } else if (ok) {
          // Keep the connection: it occupies its slot in the server's queue
          // until every client has finished connecting.
          c->took_ns = now_ns() - c->start_ns;
          c->state = DONE;
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        } else {
          finish(c, 0);
        }
      } else {  // WAITING_EOF
        finish(c, 1);
      }
      pending--;
    }
  }
  // Why clients failed: the connect was refused or reset, it never
  // completed, or (hold) the server never closed the connection.
  // not_started: the deadline came before the generator even called
  // connect() for them (a slow connect(2): an exhausted ephemeral port
  // range makes each one search for a free port).
  int failed = 0, errors = 0, connect_timeouts = 0, close_timeouts = 0, not_started = n - started;
  printf("{\"n\":%d,\"times_us\":[", n);
  for (int i = 0; i < n; i++) {
    client_t* c = &cs[i];
    if (i >= started) c->took_ns = -1;
    else if (c->state == CONNECTING) connect_timeouts++;
    else if (c->state == WAITING_EOF) close_timeouts++;
    else if (c->took_ns < 0) errors++;
    if (c->state != DONE) c->took_ns = -1;
    if (c->took_ns < 0) failed++;
    printf("%s%lld", i ? "," : "", c->took_ns < 0 ? -1LL : (long long)(c->took_ns / 1000));
    if (c->fd >= 0) close_rst(c->fd);
  }
  printf("],\"failed\":%d,\"errors\":%d,\"connect_timeouts\":%d,\"close_timeouts\":%d,\"not_started\":%d}\n",
         failed, errors, connect_timeouts, close_timeouts, not_started);
  return 0;
}

static int run_idle(int n, int timeout_ms) {
  int* fds = malloc(n * sizeof *fds);
  int connected = 0, failed = 0, pending = 0, started = 0;
  int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
  struct epoll_event evs[256];
  while ((started < n || pending > 0) && now_ns() < deadline) {
    for (int end = started + 64; started < n && started < end; started++) {
      fds[started] = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fds[started] < 0) die("socket");
      int r = connect(fds[started], (struct sockaddr*)&addr, addrlen);
      if (r < 0 && errno != EINPROGRESS) {
        failed++;
        continue;
      }
      struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = started};
      if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[started], &ev) < 0) die("epoll_ctl");
      pending++;
    }
    int k = epoll_wait(ep, evs, 256, started < n ? 0 : 50);
    for (int i = 0; i < k; i++) {
      int fd = fds[evs[i].data.u32];
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
      pending--;
      // One byte, as hold's clients send: a silent client whose final ACK
      // was dropped by a full queue would never be accepted (see hold).
      if (connect_failed(evs[i].events) || write(fd, "i", 1) < 0) failed++;
      else connected++;
    }
  }
  printf("{\"connected\":%d,\"failed\":%d}\n", connected, failed + pending);
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  for (int i = 0; i < started; i++)
    if (fds[i] >= 0) close_rst(fds[i]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: loadgen rate|burst|hold|idle HOST PORT CONC|N SECONDS|TIMEOUT_MS\n");
    return 2;
  }
  parse_addr(argv[2], argv[3]);
  int n = atoi(argv[4]);
  raise_nofile(n + 64);
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  if (!strcmp(argv[1], "rate")) return run_rate(n, atof(argv[5]));
  if (!strcmp(argv[1], "burst")) return run_once(n, atoi(argv[5]), 0);
  if (!strcmp(argv[1], "hold")) return run_once(n, atoi(argv[5]), 1);
  if (!strcmp(argv[1], "idle")) return run_idle(n, atoi(argv[5]));
  fprintf(stderr, "loadgen: unknown mode %s\n", argv[1]);
  return 2;
}
