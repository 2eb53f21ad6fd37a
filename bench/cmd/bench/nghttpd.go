package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// startNghttpd runs nghttpd (Debian's nghttp2-server) speaking h2c on a loopback port, serving "/" (13
// bytes) and "/bulk" (64 MiB) from a temporary folder, with 16 MiB stream and connection windows so that
// flow control does not cap the bulk download. It returns the address and a function that stops it.
func startNghttpd(bin string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "httpwire-bench-")
	if err != nil {
		return "", nil, err
	}
	bulk := make([]byte, bulkSize)
	for i := range bulk {
		bulk[i] = byte(i)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), hello, 0o644); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "bulk"), bulk, 0o644); err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--no-tls", "-a", "127.0.0.1", "-d", dir, "-m", "256", "-w", "24", "-W", "24",
		strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr, stop, nil
		}
		if time.Since(start) > 5*time.Second {
			stop()
			return "", nil, fmt.Errorf("nghttpd did not listen on %s: %w", addr, err)
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
