package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// runSSE reads an event stream (WHATWG HTML, server-sent events) and prints each event as it arrives:
// "event: NAME" when named, then its data.
func runSSE(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	req, cleanup, err := buildRequest(cfg, nil)
	if err != nil {
		return err
	}
	defer cleanup()
	req.Header.Add("Accept", "text/event-stream")
	p, err := newPool(cfg, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	resp, err := p.Do(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.Status != 200 {
		return fmt.Errorf("the server answered %d", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var name string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch {
		case line == "":
			if data != nil {
				if name != "" {
					fmt.Fprintf(stdout, "event: %s\n", name)
				}
				fmt.Fprintln(stdout, strings.Join(data, "\n"))
			}
			name, data = "", nil
		case field == "": // a comment
		case field == "event":
			name = value
		case field == "data":
			data = append(data, value)
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return err
	}
	return ctx.Err()
}
