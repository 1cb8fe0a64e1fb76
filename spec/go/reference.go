// Command reference records what Go's net.ListenConfig.Listen does, as ground
// truth for the listenconfig conformance suite. Stdlib only; run it in this
// module (go.mod names the reference release, whose GODEBUG defaults apply):
//
//	cd spec/go && go run ./reference.go < cases.json
//
// Input (stdin): a JSON array of cases:
//
//	{"network": "tcp", "address": ":0"}   // required fields
//	"controlError": "boom"                // Control returns errors.New("boom")
//	"inUse": true                         // first listen on address with a
//	                                      // plain Listen, keep it open, then
//	                                      // Listen again on its actual address
//	"packet": true                        // ListenPacket instead of Listen
//	                                      // (no accept or close-twice check)
//	"stale": true                         // unix: first leave a socket file
//	                                      // behind (SetUnlinkOnClose(false))
//	"keepFile": true                      // unix: SetUnlinkOnClose(false)
//	                                      // before Close
//	"freebind": true                      // Control sets IP_FREEBIND or
//	                                      // IPV6_FREEBIND (Linux), so any
//	                                      // address binds and Addr() shows
//	                                      // how Go prints it
//
// Output (stdout): a JSON array with one object per case, same order. Port
// numbers chosen by the kernel are replaced by "PORT" so output is stable.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
)

type Case struct {
	Network      string `json:"network"`
	Address      string `json:"address"`
	ControlError string `json:"controlError,omitempty"`
	InUse        bool   `json:"inUse,omitempty"`
	Freebind     bool   `json:"freebind,omitempty"`
	Packet       bool   `json:"packet,omitempty"`
	Stale        bool   `json:"stale,omitempty"`
	KeepFile     bool   `json:"keepFile,omitempty"`
}

type Call struct {
	Network string `json:"network"`
	Address string `json:"address"`
}

type Result struct {
	Case
	Control           []Call  `json:"control"`
	Addr              *string `json:"addr"`
	Family            *string `json:"family"`
	V6Only            *bool   `json:"v6only"`
	Error             *string `json:"error"`
	ErrorIsControlErr *bool   `json:"errorIsControlError,omitempty"`
	AcceptClosedError *string `json:"acceptClosedError"`
	CloseTwiceError   *string `json:"closeTwiceError"`
	// unix paths only: whether the socket file is still there after Close.
	FileAfterClose *bool `json:"fileAfterClose,omitempty"`
}

func str(s string) *string { return &s }

// portReplacer masks the port of addr as "PORT" when the kernel chose it,
// i.e. the requested port was 0 or empty; ports the caller named (including
// forms like "+5" or service names) stay visible.
func portReplacer(addr net.Addr, requested string) func(string) string {
	keep := func(s string) string { return s }
	_, actual, err := net.SplitHostPort(addr.String())
	if err != nil {
		return keep // unix sockets have no port
	}
	if _, req, err := net.SplitHostPort(requested); err == nil && req != "" {
		if n, err := net.LookupPort("tcp", req); err != nil || n != 0 {
			return keep
		}
	}
	return func(s string) string { return strings.ReplaceAll(s, ":"+actual, ":PORT") }
}

// sockInfo reads the family and IPV6_V6ONLY straight from the socket, so we
// see what the kernel did rather than what Addr() claims.
func sockInfo(ln interface{}, r *Result) {
	sc, ok := ln.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		sa, err := syscall.Getsockname(int(fd))
		if err != nil {
			r.Family = str("getsockname: " + err.Error())
			return
		}
		switch sa.(type) {
		case *syscall.SockaddrInet4:
			r.Family = str("4")
		case *syscall.SockaddrInet6:
			r.Family = str("6")
			v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY)
			if err == nil {
				b := v != 0
				r.V6Only = &b
			}
		case *syscall.SockaddrUnix:
			r.Family = str("unix")
		}
	})
}

// run uses a named result so the inUse defer can still edit what is returned.
func run(c Case) (r Result) {
	r = Result{Case: c, Control: []Call{}}
	address := c.Address
	if c.InUse {
		// Occupy the address first; the real Listen then targets its actual port.
		var firstAddr net.Addr
		if c.Packet {
			first, err := net.ListenPacket(c.Network, c.Address)
			if err != nil {
				r.Error = str("setup: " + err.Error())
				return r
			}
			defer first.Close()
			firstAddr = first.LocalAddr()
		} else {
			first, err := net.Listen(c.Network, c.Address)
			if err != nil {
				r.Error = str("setup: " + err.Error())
				return r
			}
			defer first.Close()
			firstAddr = first.Addr()
		}
		address = firstAddr.String()
		defer func() { // mask the occupied port in whatever we report
			mask := portReplacer(firstAddr, c.Address)
			for i := range r.Control {
				r.Control[i].Address = mask(r.Control[i].Address)
			}
			if r.Error != nil {
				r.Error = str(mask(*r.Error))
			}
		}()
	}

	if c.Stale {
		first, err := net.Listen(c.Network, c.Address)
		if err != nil {
			r.Error = str("setup: " + err.Error())
			return r
		}
		first.(*net.UnixListener).SetUnlinkOnClose(false)
		first.Close()
	}

	var ctrlErr error
	if c.ControlError != "" {
		ctrlErr = errors.New(c.ControlError)
	}
	lc := net.ListenConfig{Control: func(network, address string, rc syscall.RawConn) error {
		r.Control = append(r.Control, Call{network, address})
		if c.Freebind {
			// IPV6_FREEBIND is 78 on Linux; package syscall does not name it.
			level, opt := syscall.IPPROTO_IP, 15 // IP_FREEBIND
			if network == "tcp6" {
				level, opt = syscall.IPPROTO_IPV6, 78
			}
			var err error
			rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), level, opt, 1) })
			if err != nil {
				return err
			}
		}
		return ctrlErr
	}}

	if c.Packet {
		pc, err := lc.ListenPacket(context.Background(), c.Network, address)
		if err != nil {
			r.Error = str(err.Error())
			return r
		}
		r.Addr = str(portReplacer(pc.LocalAddr(), c.Address)(pc.LocalAddr().String()))
		sockInfo(pc, &r)
		pc.Close()
		return r
	}

	ln, err := lc.Listen(context.Background(), c.Network, address)
	if err != nil {
		r.Error = str(err.Error())
		if ctrlErr != nil {
			is := errors.Is(err, ctrlErr)
			r.ErrorIsControlErr = &is
		}
		return r
	}
	mask := portReplacer(ln.Addr(), c.Address)
	r.Addr = str(mask(ln.Addr().String()))
	sockInfo(ln, &r)

	if c.KeepFile {
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
	}
	ln.Close()
	if path := ln.Addr().String(); strings.HasPrefix(c.Network, "unix") && path != "" && path[0] != '@' {
		_, err := os.Stat(path)
		there := err == nil
		r.FileAfterClose = &there
	}
	if _, err := ln.Accept(); err != nil {
		r.AcceptClosedError = str(mask(err.Error()))
	}
	if err := ln.Close(); err != nil {
		r.CloseTwiceError = str(mask(err.Error()))
	}
	return r
}

func main() {
	var cases []Case
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		os.Stderr.WriteString("reference: bad input: " + err.Error() + "\n")
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
