// Load generator of the relay scenario (#19): connections at a steady
// rate, each of which must read the server's answer, while the server hands
// its listener from process to process. C and epoll, single-threaded, so
// the client is never the bottleneck. Loopback only, as every bench client.
//
//   relay_client HOST PORT RATE CONC
//
// Starts RATE connections per second, at most CONC at a time; each one
// connects, reads until EOF, and counts as ok only if it read at least one
// byte and saw no error. Runs until stdin ends, lets the connections under
// way finish (5 s at most), then prints one JSON line:
//   {"connections":n,"ok":k,"failed":f,"refused":r,"reset":s,"empty":e,
//    "timeouts":t,"seconds":d}
// Clients close with SO_LINGER {1, 0}: no TIME_WAIT, so a long run does not
// exhaust the ephemeral ports.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_NS 5000000000LL

typedef struct {
  int fd;  // -1: free slot
  int connected;
  long got;
  int64_t started;
} conn_t;

static struct sockaddr_in addr;
static int ep;
static long n_conn, n_ok, n_refused, n_reset, n_empty, n_timeout, n_other;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void finish(conn_t* c) {
  struct linger l = {1, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(c->fd);
  c->fd = -1;
}

static void fail(conn_t* c, int err) {
  if (err == ECONNREFUSED)
    n_refused++;
  else if (err == ECONNRESET || err == EPIPE)
    n_reset++;
  else
    n_other++;
  finish(c);
}

static void start(conn_t* c) {
  n_conn++;
  c->connected = 0;
  c->got = 0;
  c->started = now_ns();
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    perror("socket");
    exit(2);
  }
  if (connect(c->fd, (struct sockaddr*)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    fail(c, errno);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void on_event(conn_t* c, uint32_t e) {
  if (!c->connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fail(c, err);
      return;
    }
    c->connected = 1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  }
  if (!(e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
  char buf[512];
  for (;;) {
    ssize_t r = read(c->fd, buf, sizeof buf);
    if (r > 0) {
      c->got += r;
      continue;
    }
    if (r == 0) {
      if (c->got > 0)
        n_ok++;
      else
        n_empty++;
      finish(c);
      return;
    }
    if (errno == EAGAIN) return;
    fail(c, errno);
    return;
  }
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: relay_client HOST PORT RATE CONC\n");
    return 2;
  }
  addr.sin_family = AF_INET;
  addr.sin_port = htons(atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || (ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "relay_client: loopback IPv4 addresses only\n");
    return 2;
  }
  double rate = atof(argv[3]);
  int conc = atoi(argv[4]);
  conn_t* cs = calloc(conc, sizeof *cs);
  for (int i = 0; i < conc; i++) cs[i].fd = -1;
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  int64_t t0 = now_ns(), stop_at = 0;
  long started = 0;
  struct epoll_event evs[256];
  for (;;) {
    int64_t t = now_ns();
    int busy = 0;
    for (int i = 0; i < conc; i++) {
      if (cs[i].fd < 0) continue;
      if (t - cs[i].started > TIMEOUT_NS) {
        n_timeout++;
        finish(&cs[i]);
        continue;
      }
      busy++;
    }
    if (stop_at != 0 && (busy == 0 || t - stop_at > TIMEOUT_NS)) break;
    // Pace: as many starts as the rate allows by now, in free slots.
    while (stop_at == 0 && started < (long)((t - t0) / 1e9 * rate)) {
      int i = 0;
      while (i < conc && cs[i].fd >= 0) i++;
      if (i == conc) break;
      started++;
      start(&cs[i]);
    }
    int n = epoll_wait(ep, evs, 256, 1);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) {
        char b[64];
        if (read(0, b, sizeof b) <= 0) {
          stop_at = now_ns();
          epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
        }
        continue;
      }
      conn_t* c = evs[i].data.ptr;
      if (c->fd >= 0) on_event(c, evs[i].events);
    }
  }
  long failed = n_refused + n_reset + n_empty + n_timeout + n_other;
  printf(
      "{\"connections\":%ld,\"ok\":%ld,\"failed\":%ld,\"refused\":%ld,\"reset\":%ld,\"empty\":%ld,\"timeouts\":%ld,"
      "\"other\":%ld,\"seconds\":%.3f}\n",
      n_conn, n_ok, failed, n_refused, n_reset, n_empty, n_timeout, n_other, (now_ns() - t0) / 1e9);
  return 0;
}
