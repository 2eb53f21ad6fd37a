package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// vector is one test case of the format in shared/conformance/h1-vectors.md.
type vector struct {
	Name           string     `json:"name"`
	Role           string     `json:"role"`
	RequestMethod  string     `json:"request_method"`
	RequestHeaders [][]string `json:"request_headers"`
	Input          string     `json:"input"`
	EOF            bool       `json:"eof"`
	Expect         string     `json:"expect"`
	Events         []event    `json:"events"`
	StatusHint     int        `json:"status_hint"`

	input []byte // Input with each code point as one byte
}

// event is an expected or observed event; only the fields of its type are set. Strings hold one code point
// per byte, as in the vector files.
type event struct {
	Type     string     `json:"type"`
	Method   string     `json:"method,omitempty"`
	Target   string     `json:"target,omitempty"`
	Version  string     `json:"version,omitempty"`
	Status   int        `json:"status,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Headers  [][]string `json:"headers,omitempty"`
	Data     string     `json:"data,omitempty"`
	Trailers [][]string `json:"trailers,omitempty"`
	Trailing string     `json:"trailing,omitempty"`
}

func load(path string) ([]vector, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range vs {
		v := &vs[i]
		if v.Name == "" {
			return nil, fmt.Errorf("%s: vector %d has no name", path, i)
		}
		if v.Role != "client" && v.Role != "server" {
			return nil, fmt.Errorf("%s: %s: role must be client or server", path, v.Name)
		}
		switch v.Expect {
		case "ok", "error", "either":
		default:
			return nil, fmt.Errorf("%s: %s: expect must be ok, error or either", path, v.Name)
		}
		if v.input, err = latin1(v.Input); err != nil {
			return nil, fmt.Errorf("%s: %s: input: %w", path, v.Name, err)
		}
		v.Events = normalize(v.Events)
	}
	return vs, nil
}

// text maps each byte of b to the code point of the same value, the vector files' encoding of bytes.
func text(b []byte) string {
	r := make([]rune, len(b))
	for i, x := range b {
		r[i] = rune(x)
	}
	return string(r)
}

// latin1 maps each code point U+0000..U+00FF of s to one byte.
func latin1(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("code point U+%04X is not a byte", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

// normalize joins consecutive data events and lower-cases field names, so that events compare by meaning.
func normalize(evs []event) []event {
	var out []event
	for _, e := range evs {
		e.Headers = lowerNames(e.Headers)
		e.Trailers = lowerNames(e.Trailers)
		if e.Type == "data" && len(out) > 0 && out[len(out)-1].Type == "data" {
			out[len(out)-1].Data += e.Data
			continue
		}
		if e.Type == "data" && e.Data == "" {
			continue
		}
		out = append(out, e)
	}
	return out
}

func lowerNames(fields [][]string) [][]string {
	if len(fields) == 0 {
		return nil
	}
	out := make([][]string, len(fields))
	for i, f := range fields {
		g := append([]string(nil), f...)
		if len(g) > 0 {
			g[0] = strings.ToLower(g[0])
		}
		out[i] = g
	}
	return out
}
