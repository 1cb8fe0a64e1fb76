//go:build linux

// Command reference records what Go's Multipath TCP does
// (ListenConfig.SetMultipathTCP, its default and the multipathtcp GODEBUG
// setting, TCPConn.MultipathTCP), for spec/go.spec.mjs; Linux only, as
// SO_PROTOCOL. Built in the module ../go.mod names, so the default is that
// release's (on for listeners since Go 1.24). Stdlib only:
//
//	go build -o mptcp-ref reference.go
//	mptcp-ref < cases.json       // one JSON result per case, same order
//	mptcp-ref dial HOST:PORT [mptcp]
//
// The dial mode is the MPTCP client for the package's side of the
// comparison (Node cannot make one): it connects, with SetMultipathTCP(true)
// when asked, prints "connected" and holds the connection until stdin ends.
//
// A case: {"network": "tcp", "address": "127.0.0.1:0"} and optionally
// "plain": true (SetMultipathTCP(false)), "default": true (no
// SetMultipathTCP call), "godebug": "0" (GODEBUG=multipathtcp=0 while the
// case runs, as os.Setenv makes Go read it), "controlError": "boom", "inUse":
// true (listen on the actual address of a plain listener kept open),
// "clients": true (accept a plain TCP client and an MPTCP one and report
// each accepted connection's MultipathTCP, and the MPTCP one's after Close).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
)

const ipprotoMPTCP = 262 // not in package syscall

type Case struct {
	Network      string  `json:"network"`
	Address      string  `json:"address"`
	Plain        bool    `json:"plain,omitempty"`
	Default      bool    `json:"default,omitempty"`
	Godebug      *string `json:"godebug,omitempty"`
	ControlError string  `json:"controlError,omitempty"`
	InUse        bool    `json:"inUse,omitempty"`
	Clients      bool    `json:"clients,omitempty"`
}

type Call struct {
	Network  string `json:"network"`
	Address  string `json:"address"`
	Protocol int    `json:"protocol"`
}

type Accepted struct {
	TCP   bool `json:"tcp"`   // a plain TCP client's connection
	MPTCP bool `json:"mptcp"` // an MPTCP client's connection
}

type Result struct {
	Control []Call  `json:"control"`
	Addr    *string `json:"addr"`
	// SO_PROTOCOL of the listening socket: Go's TCPListener has no
	// MultipathTCP method, so this is what the package's ln.multipathTCP()
	// is compared with (262 means true).
	Protocol *int `json:"protocol"`
	// ListenConfig.MultipathTCP() before Listen.
	ConfigMPTCP bool      `json:"configMultipathTCP"`
	Error       *string   `json:"error"`
	Accepted    *Accepted `json:"accepted"`
	// The MPTCP client's accepted connection, asked after Close.
	Closed *bool `json:"closed"`
}

func protocolOf(rc syscall.RawConn) int {
	p := -1
	rc.Control(func(fd uintptr) {
		if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PROTOCOL); err == nil {
			p = v
		}
	})
	return p
}

// loopback is where a client dials a listener: its own address, or the
// loopback address of its family when it listens on a wildcard.
func loopback(a *net.TCPAddr) string {
	ip := a.IP
	if ip.IsUnspecified() {
		if ip.To4() != nil {
			ip = net.IPv4(127, 0, 0, 1)
		} else {
			ip = net.IPv6loopback
		}
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

func run(c Case) (r Result) {
	r.Control = []Call{}
	address := c.Address
	mask := func(s string) string { return s }
	if c.InUse {
		first, err := net.Listen(c.Network, c.Address)
		if err != nil {
			e := "setup: " + err.Error()
			r.Error = &e
			return r
		}
		defer first.Close()
		address = first.Addr().String()
		port := fmt.Sprint(first.Addr().(*net.TCPAddr).Port)
		mask = func(s string) string { return strings.ReplaceAll(s, ":"+port, ":PORT") }
	}
	var ctrlErr error
	if c.ControlError != "" {
		ctrlErr = errors.New(c.ControlError)
	}
	lc := net.ListenConfig{Control: func(network, address string, rc syscall.RawConn) error {
		r.Control = append(r.Control, Call{network, mask(address), protocolOf(rc)})
		return ctrlErr
	}}
	if !c.Default {
		lc.SetMultipathTCP(!c.Plain)
	}
	if c.Godebug != nil {
		old, had := os.LookupEnv("GODEBUG")
		os.Setenv("GODEBUG", "multipathtcp="+*c.Godebug)
		defer func() {
			if had {
				os.Setenv("GODEBUG", old)
			} else {
				os.Unsetenv("GODEBUG")
			}
		}()
	}
	r.ConfigMPTCP = lc.MultipathTCP()
	ln, err := lc.Listen(context.Background(), c.Network, address)
	if err != nil {
		e := mask(err.Error())
		r.Error = &e
		return r
	}
	defer ln.Close()
	la := ln.Addr().(*net.TCPAddr)
	if _, p, _ := net.SplitHostPort(c.Address); p == "0" {
		port := fmt.Sprint(la.Port)
		mask = func(s string) string { return strings.ReplaceAll(s, ":"+port, ":PORT") }
	}
	a := mask(ln.Addr().String())
	r.Addr = &a
	rc, _ := ln.(*net.TCPListener).SyscallConn()
	p := protocolOf(rc)
	r.Protocol = &p
	if !c.Clients {
		return r
	}
	var acc Accepted
	for _, mptcp := range []bool{false, true} {
		var d net.Dialer
		d.SetMultipathTCP(mptcp)
		client, err := d.Dial("tcp", loopback(la))
		if err != nil {
			e := "dial: " + err.Error()
			r.Error = &e
			return r
		}
		conn, err := ln.Accept()
		if err != nil {
			e := "accept: " + err.Error()
			r.Error = &e
			return r
		}
		using, _ := conn.(*net.TCPConn).MultipathTCP()
		if mptcp {
			acc.MPTCP = using
			conn.Close()
			closed, _ := conn.(*net.TCPConn).MultipathTCP()
			r.Closed = &closed
		} else {
			acc.TCP = using
			conn.Close()
		}
		client.Close()
	}
	r.Accepted = &acc
	return r
}

func dial(addr string, mptcp bool) {
	var d net.Dialer
	d.SetMultipathTCP(mptcp)
	c, err := d.Dial("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	fmt.Println("connected")
	bufio.NewReader(os.Stdin).ReadString(0) // until stdin ends
	c.Close()
}

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "dial" {
		dial(os.Args[2], len(os.Args) > 3 && os.Args[3] == "mptcp")
		return
	}
	var cases []Case
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "reference: bad input:", err)
		os.Exit(2)
	}
	results := make([]Result, 0, len(cases))
	for _, c := range cases {
		results = append(results, run(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(results)
}
