// Package childproc runs a server in a child process for measurements that must see the client's CPU and
// memory alone. The child is the same binary started with other arguments; it prints "addr HOST:PORT" on its
// first line of output and serves until its standard input closes.
package childproc

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Start runs os.Args[0] with args and returns the address the child printed and a function that stops it:
// it closes the child's standard input and waits, killing the child after 10 s.
func Start(args ...string) (string, func(), error) {
	cmd := exec.Command(os.Args[0], args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("server %s did not start: %w", strings.Join(args, " "), err)
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "addr "))
	if addr == "" {
		stop()
		return "", nil, errors.New("server printed no address")
	}
	return addr, stop, nil
}
