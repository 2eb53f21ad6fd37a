package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// check feeds v every way and returns one message per way that failed.
func check(v vector) []string {
	ways := []struct {
		name   string
		chunks [][]byte
	}{{"whole", [][]byte{v.input}}}
	bytewise := make([][]byte, len(v.input))
	for i := range v.input {
		bytewise[i] = v.input[i : i+1]
	}
	ways = append(ways, struct {
		name   string
		chunks [][]byte
	}{"bytewise", bytewise})
	if len(v.input) <= 4096 {
		for k := 1; k < len(v.input); k++ {
			ways = append(ways, struct {
				name   string
				chunks [][]byte
			}{fmt.Sprintf("split@%d", k), [][]byte{v.input[:k], v.input[k:]}})
		}
	}
	var failures []string
	for _, w := range ways {
		got, err := run(v, w.chunks)
		if msg := verdict(v, got, err); msg != "" {
			failures = append(failures, "("+w.name+"): "+msg)
			if len(failures) >= 3 {
				break // the first few ways say enough
			}
		}
	}
	return failures
}

// verdict compares one run with the vector's expectation; "" means it passed.
func verdict(v vector, got []event, err error) string {
	var remote *proto.RemoteError
	isRemote := errors.As(err, &remote)
	if err != nil && !isRemote {
		return "error that does not blame the peer: " + err.Error()
	}
	switch v.Expect {
	case "ok":
		if err != nil {
			return "unexpected error: " + err.Error() + " after " + show(got)
		}
		if !reflect.DeepEqual(got, v.Events) {
			return "events differ:\n  want " + show(v.Events) + "\n  got  " + show(got)
		}
	case "error":
		if err == nil {
			return "no error; got " + show(got)
		}
		if v.Events != nil && !reflect.DeepEqual(got, v.Events) {
			return "events before the error differ:\n  want " + show(v.Events) + "\n  got  " + show(got)
		}
		if v.Role == "server" && v.StatusHint != 0 && remote.StatusHint != v.StatusHint {
			return fmt.Sprintf("status hint %d, want %d (%v)", remote.StatusHint, v.StatusHint, err)
		}
	case "either":
		if err == nil && !reflect.DeepEqual(got, v.Events) {
			return "neither an error nor the events:\n  want " + show(v.Events) + "\n  got  " + show(got)
		}
	}
	return ""
}

func show(evs []event) string {
	b, _ := json.Marshal(evs)
	return string(b)
}

// run feeds chunks to a fresh core playing v's role and returns the events it reported, normalized, and the
// error that stopped it, if any.
func run(v vector, chunks [][]byte) ([]event, error) {
	role := h1.Server
	if v.Role == "client" {
		role = h1.Client
	}
	c := h1.NewConn(role)
	if role == h1.Client {
		if err := sendRequest(c, v); err != nil {
			return nil, fmt.Errorf("runner: sending the request: %w", err)
		}
	}
	r := &runner{c: c}
	for i, chunk := range chunks {
		if err := c.Receive(chunk); err != nil {
			return normalize(r.events), err
		}
		if r.drain(chunks[i+1:]) {
			return normalize(r.events), r.err
		}
	}
	if v.EOF {
		if err := c.ReceiveEOF(); err != nil {
			return normalize(r.events), err
		}
		r.drain(nil)
	}
	return normalize(r.events), r.err
}

// sendRequest sends the vector's request (client role) so that responses are parsed against it.
func sendRequest(c *h1.Conn, v vector) error {
	method, target := v.RequestMethod, "/"
	if method == "" {
		method = "GET"
	}
	if method == "CONNECT" {
		target = "example.com:443"
	}
	req := proto.NewRequest(method, target, "Host", "example.com")
	for _, f := range v.RequestHeaders {
		if len(f) != 2 {
			return fmt.Errorf("request_headers entry %q is not a pair", f)
		}
		req.Fields.Add(f[0], f[1])
	}
	if err := c.SendRequest(req); err != nil {
		return err
	}
	if err := c.SendEnd(nil); err != nil {
		return err
	}
	c.Advance(len(c.Pending()))
	return nil
}

type runner struct {
	c      *h1.Conn
	events []event
	err    error
	method string // of the last request, server role
}

// drain reads events until the core needs input; it reports true when reading must stop. unfed is the
// input not yet given to the core, part of the trailing bytes after a protocol switch.
func (r *runner) drain(unfed [][]byte) bool {
	for {
		ev, err := r.c.NextEvent()
		if err != nil {
			r.err = err
			return true
		}
		switch e := ev.(type) {
		case nil:
			return false
		case *h1.Request:
			r.method = string(e.Method)
			r.events = append(r.events, event{Type: "request", Method: r.method, Target: text(e.Target),
				Version: e.Version.String(), Headers: fields(e.Fields)})
		case *h1.InformationalResponse:
			r.events = append(r.events, event{Type: "informational", Status: e.Status,
				Headers: fields(e.Fields)})
		case *h1.Response:
			r.events = append(r.events, event{Type: "response", Status: e.Status, Reason: text(e.Reason),
				Version: e.Version.String(), Headers: fields(e.Fields)})
		case *h1.Data:
			r.events = append(r.events, event{Type: "data", Data: text(e.Data)})
		case *h1.EndOfMessage:
			r.events = append(r.events, event{Type: "end", Trailers: fields(e.Trailers)})
			if r.c.Role() == h1.Server {
				if err := r.answer(); err != nil {
					r.err = fmt.Errorf("runner: answering: %w", err)
					return true
				}
			}
		case *h1.ConnectionClosed:
			r.events = append(r.events, event{Type: "closed"})
			return true
		case *h1.Paused:
			if r.c.TheirState() == h1.SwitchedProtocol {
				trailing, _ := r.c.TrailingData()
				t := text(trailing)
				for _, u := range unfed {
					t += text(u)
				}
				r.events = append(r.events, event{Type: "switched", Trailing: t})
			}
			return true
		}
	}
}

// answer responds to the request just read (server role) and starts the next cycle when it can.
func (r *runner) answer() error {
	c := r.c
	if r.method == "CONNECT" {
		return c.SendResponse(proto.NewResponse(200))
	}
	if err := c.SendResponse(proto.NewResponse(200, "Content-Length", "0")); err != nil {
		return err
	}
	if err := c.SendEnd(nil); err != nil {
		return err
	}
	c.Advance(len(c.Pending()))
	if c.OurState() == h1.Done && c.TheirState() == h1.Done {
		return c.StartNextCycle()
	}
	return nil
}

func fields(f proto.Fields) [][]string {
	if len(f) == 0 {
		return nil
	}
	out := make([][]string, len(f))
	for i := range f {
		out[i] = []string{text(f[i].Name), text(f[i].Value)}
	}
	return out
}
