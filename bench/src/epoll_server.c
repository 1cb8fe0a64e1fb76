// The limit of this machine: a C accept loop on epoll, no runtime at all.
// It applies Go's defaults to each accepted socket (keep-alive 15 s/15 s/9
// probes, TCP_NODELAY), so it does the same system calls as the contenders,
// then closes the connection.
//
// Protocol, shared by every server of the bench (see servers/node.mjs): one
// JSON line {"port":P,...} once listening; then stdin commands, one a line:
// "stats" -> {"accepted":n,"user_us":u,"sys_us":s,"maxrss_kb":k}.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char* what) {
  perror(what);
  exit(2);
}

static void set_int(int fd, int level, int name, int v) {
  setsockopt(fd, level, name, &v, sizeof v);
}

int main(int argc, char** argv) {
  int backlog = argc > 1 ? atoi(argv[1]) : 4096;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  set_int(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(lfd, (struct sockaddr*)&a, sizeof a) < 0) die("bind");
  if (listen(lfd, backlog) < 0) die("listen");
  socklen_t len = sizeof a;
  getsockname(lfd, (struct sockaddr*)&a, &len);
  printf("{\"port\":%d}\n", ntohs(a.sin_port));
  fflush(stdout);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = 0;
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  long accepted = 0;
  char line[256];
  size_t used = 0;
  for (;;) {
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, -1);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == lfd) {
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;  // EAGAIN, or an error the next wake-up retries
          set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
          set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 15);
          set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 15);
          set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 9);
          set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
          accepted++;
          close(fd);
        }
        continue;
      }
      ssize_t r = read(0, line + used, sizeof line - 1 - used);
      if (r <= 0) return 0;  // the bench went away
      used += r;
      line[used] = 0;
      char* nl;
      while ((nl = strchr(line, '\n')) != NULL) {
        *nl = 0;
        if (!strcmp(line, "stats")) {
          struct rusage ru;
          getrusage(RUSAGE_SELF, &ru);
          printf("{\"accepted\":%ld,\"user_us\":%ld,\"sys_us\":%ld,\"maxrss_kb\":%ld}\n", accepted,
                 ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
                 ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec, ru.ru_maxrss);
          fflush(stdout);
        } else if (!strcmp(line, "exit")) {
          return 0;
        }
        used -= nl + 1 - line;
        memmove(line, nl + 1, used + 1);
      }
    }
  }
}
