// A Go accept loop: net.Listen with Go's defaults (keep-alive 15 s, and
// TCP_NODELAY on every accepted connection), each connection closed at once.
// Same stdin/stdout protocol as the other servers (see epoll_server.c).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("{\"port\":%d}\n", ln.Addr().(*net.TCPAddr).Port)
	var accepted int64
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
