package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCompare runs the three implementations of -compare briefly against an in-process server (the command
// runs it in a child process): each must open every connection, complete requests and fail none.
func TestCompare(t *testing.T) {
	const n = 50
	var rs []result
	for _, impl := range []string{implLoop, implPool, implNetHTTP} {
		srv := httptest.NewServer(newHandler())
		addr := strings.TrimPrefix(srv.URL, "http://")
		r, err := runImpl(impl, addr, n, 200*time.Millisecond)
		srv.Close()
		if err != nil {
			t.Fatalf("%s: %v", impl, err)
		}
		if r.Requests == 0 || r.Errors != 0 || r.Open < n {
			t.Errorf("%s: %d requests, %d errors (%s), %d sockets open; want > 0, 0, >= %d",
				impl, r.Requests, r.Errors, r.FirstError, r.Open, n)
		}
		rs = append(rs, r)
	}
	var b strings.Builder
	printTable(&b, rs)
	t.Logf("\n%s", b.String())
	if got := strings.Count(b.String(), "\n| 50 |"); got != 3 {
		t.Errorf("table has %d rows for 50 connections, want 3:\n%s", got, b.String())
	}
}
