package interop_test

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/gobwas/ws/wsutil"
	"github.com/httpwire/httpwire/pool"
	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// TestPoolAsHTTPTransport drives go-httpbin through http.Client with the pool as its transport: redirects,
// cookies, methods, statuses, streams, trailers, basic auth.
func TestPoolAsHTTPTransport(t *testing.T) {
	for _, p := range serve(t, httpbin.New().Handler()) {
		t.Run(p.name, func(t *testing.T) {
			pl := pool.New(pool.Options{Driver: *p.opts, H2C: p.opts.H2C, HTTP1: p.proto == "http/1.1"})
			defer pl.Close()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Transport: pl, Jar: jar}
			base := p.origin.String()
			wantProto := map[string]int{"h2": 2, "http/1.1": 1}[p.proto]

			resp := mustGet(t, client, base+"/redirect/3")
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.Path, "/get") || resp.ProtoMajor != wantProto {
				t.Fatalf("redirects: %d at %s over %s", resp.StatusCode, resp.Request.URL, resp.Proto)
			}

			resp = mustGet(t, client, base+"/cookies/set?flavour=oat")
			var cookies struct {
				Cookies map[string]string `json:"cookies"`
			}
			decode(t, resp, &cookies)
			if cookies.Cookies["flavour"] != "oat" {
				t.Fatalf("cookies: %+v", cookies)
			}

			for _, method := range []string{"PUT", "PATCH", "DELETE"} {
				req, _ := http.NewRequest(method, base+"/anything", strings.NewReader("payload"))
				req.Header.Set("Content-Type", "text/plain")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var echo struct {
					Method string `json:"method"`
					Data   string `json:"data"`
				}
				decode(t, resp, &echo)
				if echo.Method != method || echo.Data != "payload" {
					t.Fatalf("%s: %+v", method, echo)
				}
			}

			resp = mustGet(t, client, base+"/status/418")
			resp.Body.Close()
			if resp.StatusCode != 418 {
				t.Fatalf("status: %d", resp.StatusCode)
			}

			resp = mustGet(t, client, base+"/stream/7")
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Count(string(body), "\n") != 7 {
				t.Fatalf("stream: %q", body)
			}

			resp = mustGet(t, client, base+"/trailers?X-Check=ok")
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Trailer.Get("X-Check") != "ok" {
				t.Fatalf("trailers: %v", resp.Trailer)
			}

			req, _ := http.NewRequest("GET", base+"/basic-auth/ann/secret", nil)
			req.SetBasicAuth("ann", "secret")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("basic auth: %d", resp.StatusCode)
			}
			if st := pl.Stats().Total; st.Active != 0 || st.Connections != 1 {
				t.Fatalf("stats after the requests: %+v", st)
			}
		})
	}
}

// TestPoolWebSocketUpgrade: an Upgrade through http.Client and the pool returns the connection as the
// 101's Body, as net/http does; the pool lets go of it.
func TestPoolWebSocketUpgrade(t *testing.T) {
	for _, p := range serve(t, httpbin.New().Handler()) {
		if p.name != "plain-h1" && p.name != "tls-h1" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			pl := pool.New(pool.Options{Driver: *p.opts, HTTP1: true})
			defer pl.Close()
			client := &http.Client{Transport: pl}
			var nonce [16]byte
			_, _ = rand.Read(nonce[:])
			key := base64.StdEncoding.EncodeToString(nonce[:])
			req, _ := http.NewRequest("GET", p.origin.String()+"/websocket/echo", nil)
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", key)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			rwc, ok := resp.Body.(io.ReadWriteCloser)
			if resp.StatusCode != 101 || !ok || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
				t.Fatalf("upgrade: %d, body writable %v", resp.StatusCode, ok)
			}
			defer rwc.Close()
			if err := wsutil.WriteClientText(rwc, []byte("through the pool")); err != nil {
				t.Fatal(err)
			}
			if got, err := wsutil.ReadServerText(rwc); err != nil || string(got) != "through the pool" {
				t.Fatalf("echo %q, %v", got, err)
			}
			if st := pl.Stats().Total; st.Connections != 0 {
				t.Fatalf("the upgraded connection is still pooled: %+v", st)
			}
		})
	}
}

func mustGet(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
