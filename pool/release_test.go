package pool_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// TestReleaseGivesTheConnectionBack: releasing a pooled HTTP/1.1 response, read or not, hands its connection
// back as closing its body does, and the next request reuses it (and the released response's memory).
func TestReleaseGivesTheConnectionBack(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "body of "+r.URL.Path)
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	p := pool.New(pool.Options{HTTP1: true})
	defer p.Close()
	for i, path := range []string{"/unread", "/read", "/last"} {
		resp, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin, Target: path})
		if err != nil {
			t.Fatal(err)
		}
		if path != "/unread" {
			if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "body of "+path {
				t.Errorf("%s: %q, %v", path, b, err)
			}
		}
		resp.Release()
		s := p.Stats()
		if s.Total.Idle != 1 || s.Total.Active != 0 || s.Total.Dials != 1 || s.Total.Reuses != int64(i) {
			t.Errorf("after releasing %s: %+v, want one idle connection, dialled once and reused %d times", path, s.Total, i)
		}
	}
}
