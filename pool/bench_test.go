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

// Benchmarks of whole requests through the pool on loopback: sequential, and 64 at a time.
func BenchmarkGET(b *testing.B) {
	for _, h2c := range []bool{false, true} {
		name := "h1"
		if h2c {
			name = "h2c"
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "Hello, World!")
		}))
		if h2c {
			srv.Config.Protocols = new(http.Protocols)
			srv.Config.Protocols.SetUnencryptedHTTP2(true)
		}
		srv.Start()
		origin, _ := proto.ParseOrigin(srv.URL)
		p := pool.New(pool.Options{H2C: h2c, MaxConnectionsPerOrigin: 64})
		req := &pool.Request{Method: "GET", Origin: origin, Target: "/"}
		buf := make([]byte, 64)
		do := func(b *testing.B, buf []byte) {
			resp, err := p.Do(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := resp.Body.Read(buf); err != nil {
					break
				}
			}
			resp.Body.Close()
		}
		b.Run(name+"/sequential", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				do(b, buf)
			}
		})
		b.Run(name+"/parallel64", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32) // 2 cores × 32 = 64 goroutines
			b.RunParallel(func(pb *testing.PB) {
				buf := make([]byte, 64)
				for pb.Next() {
					do(b, buf)
				}
			})
		})
		p.Close()
		srv.Close()
	}
}
