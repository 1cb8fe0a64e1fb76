// The Go side of spec/messages-go.spec.mjs (built in the module spec/go): Go's answers for unixgram,
// unixpacket, raw IP and deadlines (mode "texts"), and a Go peer that
// exchanges messages and descriptors with the package (modes "gram",
// "packet"). Prints one JSON object.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func texts(dir string) map[string]string {
	out := map[string]string{}
	past := time.Now().Add(-time.Second)
	a, err := net.ListenPacket("unixgram", dir+"/a.sock")
	if err != nil {
		panic(err)
	}
	_, err = net.ListenPacket("unixgram", dir+"/a.sock")
	out["bind in use"] = errText(err)
	_, err = net.ListenPacket("unixgram", "/tmp/"+strings.Repeat("x", 200))
	out["path too long"] = errText(err)
	a.SetReadDeadline(past)
	_, _, err = a.ReadFrom(make([]byte, 8))
	out["read deadline"] = errText(err)
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: dir + "/a.sock", Net: "unixgram"})
	if err != nil {
		panic(err)
	}
	out["dialed local"] = c.LocalAddr().String()
	_, err = c.WriteTo([]byte("x"), &net.UnixAddr{Name: dir + "/a.sock", Net: "unixgram"})
	out["writeTo connected"] = errText(err)
	c.SetWriteDeadline(past)
	_, err = c.Write([]byte("x"))
	out["write deadline connected"] = errText(err)
	c.Close()
	a.Close()
	out["close twice"] = errText(a.Close())
	_, _, err = a.ReadFrom(make([]byte, 8))
	out["read closed"] = errText(err)
	out["set closed"] = errText(a.SetDeadline(time.Now()))
	_, err = net.DialUnix("unixgram", nil, &net.UnixAddr{Name: dir + "/none.sock", Net: "unixgram"})
	out["dial none"] = errText(err)

	ln, err := net.Listen("unixpacket", dir+"/p.sock")
	if err != nil {
		panic(err)
	}
	pc, _ := net.Dial("unixpacket", dir+"/p.sock")
	sc, _ := ln.Accept()
	out["accepted local"] = sc.LocalAddr().String()
	out["accepted remote"] = sc.RemoteAddr().String()
	pc.Write([]byte("0123456789"))
	buf := make([]byte, 4)
	n, _, flags, _, err := sc.(*net.UnixConn).ReadMsgUnix(buf, nil)
	out["truncated"] = fmt.Sprintf("%d %s %v %v", n, buf[:n], flags&syscall.MSG_TRUNC != 0, err)
	sc.SetReadDeadline(past)
	_, err = sc.Read(buf)
	out["accepted read deadline"] = errText(err)
	ln.(*net.UnixListener).SetDeadline(past)
	_, err = ln.Accept()
	out["accept deadline"] = errText(err)
	pc.Close()
	sc.Close()
	ln.Close()
	out["listener set closed"] = errText(ln.(*net.UnixListener).SetDeadline(time.Now()))
	_, err = ln.Accept()
	out["accept closed"] = errText(err)

	for _, nw := range []string{"ip4", "ip4:nosuchproto"} {
		_, err = net.ListenPacket(nw, "127.0.0.1")
		out["listen "+nw] = errText(err)
	}
	_, err = net.ListenPacket("ip4:icmp", "::1")
	out["listen ip4:icmp ::1"] = errText(err)

	var ctl []string
	lc := net.ListenConfig{Control: func(network, address string, _ syscall.RawConn) error {
		ctl = append(ctl, network+" "+address)
		return nil
	}}
	if g, err := lc.ListenPacket(context.Background(), "unixgram", ""); err == nil {
		g.Close()
	}
	if os.Geteuid() == 0 {
		if r, err := lc.ListenPacket(context.Background(), "ip4:icmp", "127.0.0.1"); err == nil {
			r.SetReadDeadline(past)
			_, _, err = r.ReadFrom(buf)
			out["raw read deadline"] = errText(err)
			r.Close()
			out["raw close twice"] = errText(r.Close())
		}
	}
	out["control"] = strings.Join(ctl, ", ")
	return out
}

// gram: binds dir/go.sock, sends node a datagram with a pipe's read end,
// waits for the reply and its descriptor.
func gram(dir, node string) map[string]string {
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: dir + "/go.sock", Net: "unixgram"})
	if err != nil {
		panic(err)
	}
	r, w, _ := os.Pipe()
	w.WriteString("pipe from go")
	w.Close()
	_, _, err = c.WriteMsgUnix([]byte("hello from go"), syscall.UnixRights(int(r.Fd())), &net.UnixAddr{Name: node, Net: "unixgram"})
	if err != nil {
		panic(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	oob := make([]byte, 64)
	n, oobn, _, from, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		panic(err)
	}
	msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
	fds, _ := syscall.ParseUnixRights(&msgs[0])
	f := os.NewFile(uintptr(fds[0]), "passed")
	content := make([]byte, 64)
	m, _ := f.Read(content)
	return map[string]string{"reply": string(buf[:n]), "from": from.String(), "content": string(content[:m])}
}

// packet: dials node's unixpacket listener, sends two messages, reads one.
func packet(path string) map[string]string {
	c, err := net.Dial("unixpacket", path)
	if err != nil {
		panic(err)
	}
	c.Write([]byte("one"))
	c.Write([]byte("two"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	return map[string]string{"reply": string(buf[:n]), "err": errText(err)}
}

func main() {
	var out map[string]string
	switch os.Args[1] {
	case "texts":
		out = texts(os.Args[2])
	case "gram":
		out = gram(os.Args[2], os.Args[3])
	case "packet":
		out = packet(os.Args[2])
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
