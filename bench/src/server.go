// A Go accept loop: net.Listen with Go's defaults (keep-alive 15 s, and
// TCP_NODELAY on every accepted connection), each connection closed at once.
// Same stdin/stdout protocol as the other servers (see epoll_server.c).
// With an argument N: N listeners on one port, SO_REUSEPORT set in
// Control, one accept loop each (Go's multi-core shape).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
)

// SO_REUSEPORT on Linux; Go 1.19's syscall package does not name it
// (golang.org/x/sys/unix does, but this file has no module).
const soReuseport = 0xf

func main() {
	n := 1
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	lc := net.ListenConfig{}
	if n > 1 {
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReuseport, 1)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	var accepted int64
	addr := "127.0.0.1:0"
	for i := 0; i < n; i++ {
		ln, err := lc.Listen(context.Background(), "tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		addr = ln.Addr().String()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					continue // EMFILE and the like: Go's own servers retry too
				}
				atomic.AddInt64(&accepted, 1)
				c.Close()
			}
		}()
	}
	_, port, _ := net.SplitHostPort(addr)
	fmt.Printf("{\"port\":%s}\n", port)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "stats":
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			b, _ := json.Marshal(map[string]int64{
				"accepted":  atomic.LoadInt64(&accepted),
				"user_us":   ru.Utime.Sec*1e6 + ru.Utime.Usec,
				"sys_us":    ru.Stime.Sec*1e6 + ru.Stime.Usec,
				"maxrss_kb": ru.Maxrss,
			})
			fmt.Println(string(b))
		case "exit":
			return
		}
	}
}
