package pool

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/httpwire/httpwire/proto"
)

var _ http.RoundTripper = (*Pool)(nil)

// RoundTrip implements http.RoundTripper with net/http's contract: the request body is always closed (over
// HTTP/2, which sends it while the response arrives, possibly after RoundTrip returns),
// GetBody serves retries, the response's Trailer is filled once its body returned io.EOF, and a 101
// response's Body is the connection as an io.ReadWriteCloser. It shares Do's code path.
func (p *Pool) RoundTrip(hreq *http.Request) (*http.Response, error) {
	req, err := fromHTTP(hreq)
	if err != nil {
		closeBody(hreq)
		return nil, err
	}
	resp, err := p.Do(hreq.Context(), req)
	if err != nil {
		// It may never have reached a connection: net/http's contract says we close it. The connection
		// may have closed it already; onceCloser makes that one Close. (Do closed the bodies of retries.)
		if c, ok := req.Body.(io.Closer); ok {
			c.Close()
		}
		return nil, err
	}
	// The connection closes the body once sent, which over HTTP/2 may be after the response head.
	return toHTTP(hreq, resp), nil
}

func closeBody(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// fromHTTP translates a net/http request.
func fromHTTP(hreq *http.Request) (*Request, error) {
	if hreq.URL == nil {
		return nil, errors.New("pool: request without URL")
	}
	origin, err := proto.NewOrigin(hreq.URL.Scheme, hreq.URL.Host)
	if err != nil {
		return nil, err
	}
	method := hreq.Method
	if method == "" {
		method = http.MethodGet
	}
	req := &Request{Method: method, Origin: origin, Target: hreq.URL.RequestURI()}
	if method == http.MethodConnect {
		req.Target = hreq.URL.Host
	}
	names := make([]string, 0, len(hreq.Header))
	for name := range hreq.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	if hreq.Host != "" && hreq.Host != hreq.URL.Host {
		req.Header.Add("Host", hreq.Host)
	}
	for _, name := range names {
		if strings.EqualFold(name, "Host") {
			continue
		}
		for _, v := range hreq.Header[name] {
			req.Header.Add(name, v)
		}
	}
	if hreq.Body != nil && hreq.Body != http.NoBody {
		req.Body = &onceCloser{ReadCloser: hreq.Body}
		req.ContentLength = hreq.ContentLength
		if req.ContentLength == 0 {
			req.ContentLength = -1 // net/http: 0 with a body means unknown
		}
	}
	if hreq.GetBody != nil {
		req.GetBody = func() (io.Reader, error) { return hreq.GetBody() } // wrapped by replay
	}
	if len(hreq.Trailer) > 0 {
		declared := make([]string, 0, len(hreq.Trailer))
		for name := range hreq.Trailer {
			declared = append(declared, name)
		}
		sort.Strings(declared)
		req.Header.Add("Trailer", strings.Join(declared, ", "))
		req.Trailer = func() proto.Fields {
			var f proto.Fields
			for _, name := range declared {
				for _, v := range hreq.Trailer[name] {
					f.Add(strings.ToLower(name), v)
				}
			}
			return f
		}
	}
	return req, nil
}

// toHTTP translates a response for net/http.
func toHTTP(hreq *http.Request, resp *Response) *http.Response {
	h := &http.Response{
		StatusCode:    resp.Status,
		Header:        make(http.Header, len(resp.Header)),
		Request:       hreq,
		TLS:           resp.Extensions.TLS,
		ContentLength: -1,
	}
	reason := resp.Extensions.ReasonPhrase
	if reason == "" {
		reason = http.StatusText(resp.Status)
	}
	h.Status = fmt.Sprintf("%d %s", resp.Status, reason)
	switch resp.Extensions.HTTPVersion {
	case "HTTP/2":
		h.Proto, h.ProtoMajor, h.ProtoMinor = "HTTP/2.0", 2, 0
	case "HTTP/1.0":
		h.Proto, h.ProtoMajor, h.ProtoMinor = "HTTP/1.0", 1, 0
	default:
		h.Proto, h.ProtoMajor, h.ProtoMinor = "HTTP/1.1", 1, 1
	}
	for _, f := range resp.Header {
		h.Header.Add(string(f.Name), string(f.Value))
	}
	if cl := h.Header.Get("Content-Length"); cl != "" && hreq.Method != http.MethodHead {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
			h.ContentLength = n
		}
	}
	if te := h.Header.Get("Transfer-Encoding"); te != "" {
		h.TransferEncoding = []string{te}
		h.Header.Del("Transfer-Encoding")
	}
	for _, v := range h.Header.Values("Trailer") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				if h.Trailer == nil {
					h.Trailer = make(http.Header)
				}
				h.Trailer[http.CanonicalHeaderKey(name)] = nil
			}
		}
	}
	if stream := resp.Extensions.NetworkStream; stream != nil {
		h.Body = &switchedBody{Conn: stream} // net/http: a 101's Body is an io.ReadWriteCloser
		return h
	}
	h.Body = &trailerBody{body: resp.Body, resp: resp, h: h}
	return h
}

// trailerBody fills the net/http response's Trailer when the body ends.
type trailerBody struct {
	body io.ReadCloser
	resp *Response
	h    *http.Response
	once sync.Once
}

func (b *trailerBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.once.Do(func() {
			for _, f := range b.resp.Trailers() {
				if b.h.Trailer == nil {
					b.h.Trailer = make(http.Header)
				}
				b.h.Trailer.Add(string(f.Name), string(f.Value))
			}
		})
	}
	return n, err
}

func (b *trailerBody) Close() error { return b.body.Close() }

// switchedBody is the raw connection after 101 Switching Protocols.
type switchedBody struct{ net.Conn }

var _ io.ReadWriteCloser = (*switchedBody)(nil)
