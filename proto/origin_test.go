package proto_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/proto"
)

func TestParseOrigin(t *testing.T) {
	cases := []struct {
		url  string
		want proto.Origin
	}{
		{"http://example.com", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"https://example.com", proto.Origin{Scheme: "https", Host: "example.com", Port: 443}},
		{"https://example.com/", proto.Origin{Scheme: "https", Host: "example.com", Port: 443}},
		{"https://example.com:8443/path?q=1#frag", proto.Origin{Scheme: "https", Host: "example.com", Port: 8443}},
		{"http://example.com?q", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"http://example.com#f", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"HTTPS://Example.COM:443", proto.Origin{Scheme: "https", Host: "example.com", Port: 443}},
		{"http://example.com:443", proto.Origin{Scheme: "http", Host: "example.com", Port: 443}},
		{"https://example.com:80", proto.Origin{Scheme: "https", Host: "example.com", Port: 80}},
		{"http://example.com:0080", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"http://example.com:65535", proto.Origin{Scheme: "http", Host: "example.com", Port: 65535}},
		{"http://example.com:1", proto.Origin{Scheme: "http", Host: "example.com", Port: 1}},
		{"http://example.com:", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}}, // empty port: default (RFC 3986 §6.2.3)
		{"http://127.0.0.1:8080/", proto.Origin{Scheme: "http", Host: "127.0.0.1", Port: 8080}},
		{"http://[::1]/", proto.Origin{Scheme: "http", Host: "::1", Port: 80}},
		{"http://[::1]:", proto.Origin{Scheme: "http", Host: "::1", Port: 80}},
		{"https://[2001:DB8::1]:8443/x", proto.Origin{Scheme: "https", Host: "2001:db8::1", Port: 8443}},
		{"http://user:pass@example.com:81/", proto.Origin{Scheme: "http", Host: "example.com", Port: 81}},
		{"http://user@[::1]:81/", proto.Origin{Scheme: "http", Host: "::1", Port: 81}},
		{"http://a@b@example.com/", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"http://example.com/a@b", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"http://example.com/p:1", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"http://example.com?x=@evil.com", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
	}
	for _, tc := range cases {
		got, err := proto.ParseOrigin(tc.url)
		if err != nil {
			t.Errorf("ParseOrigin(%q): %v", tc.url, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseOrigin(%q) (-want +got):\n%s", tc.url, diff)
		}
	}
}

func TestParseOriginErrors(t *testing.T) {
	urls := []string{
		"",
		"example.com",
		"example.com:80",
		"/path",
		"://example.com",
		"ftp://example.com",
		"ws://example.com",
		"mailto:someone@example.com",
		"http:/example.com",
		"http://",
		"http:///path",
		"http://:80",
		"http://user@/",
		"http://[]:80",
		"http://[::1",
		"http://[::1]x",
		"http://example.com:0",
		"http://example.com:65536",
		"http://example.com:99999999999999999999",
		"http://example.com:-1",
		"http://example.com:+80",
		"http://example.com:8o",
		"http://example.com: 80",
		"http://example.com:0x50",
		// A host with a colon outside brackets (RFC 3986 §3.2.2: an IPv6 literal is bracketed).
		"http://::1/",
		"http://a:b:80/",
		// Bytes that no host may hold (RFC 3986 §3.2.2); the host goes into Host fields and dial addresses.
		"http://exa mple.com/",
		"http://a\x00b/",
		"http://a\r\nb/",
	}
	for _, u := range urls {
		o, err := proto.ParseOrigin(u)
		if err == nil {
			t.Errorf("ParseOrigin(%q) = %q (host %q, port %d), want an error", u, o.String(), o.Host, o.Port)
			continue
		}
		if !errors.Is(err, proto.ErrInvalidOrigin) {
			t.Errorf("ParseOrigin(%q) error %q does not wrap ErrInvalidOrigin", u, err)
		}
		if o != (proto.Origin{}) {
			t.Errorf("ParseOrigin(%q) returned %+v with its error, want the zero Origin", u, o)
		}
	}
}

func TestNewOrigin(t *testing.T) {
	cases := []struct {
		scheme, authority string
		want              proto.Origin
	}{
		{"http", "example.com", proto.Origin{Scheme: "http", Host: "example.com", Port: 80}},
		{"HTTPS", "EXAMPLE.com:8443", proto.Origin{Scheme: "https", Host: "example.com", Port: 8443}},
		{"https", "[::1]", proto.Origin{Scheme: "https", Host: "::1", Port: 443}},
		{"https", "[fe80::1]:1", proto.Origin{Scheme: "https", Host: "fe80::1", Port: 1}},
	}
	for _, tc := range cases {
		got, err := proto.NewOrigin(tc.scheme, tc.authority)
		if err != nil {
			t.Errorf("NewOrigin(%q, %q): %v", tc.scheme, tc.authority, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("NewOrigin(%q, %q) (-want +got):\n%s", tc.scheme, tc.authority, diff)
		}
	}
	bad := []struct{ scheme, authority string }{
		{"", "example.com"},
		{"ftp", "example.com"},
		{"http", ""},
		{"http", ":80"},
		{"http", "example.com:0"},
		{"http", "[::1]80"},
		{"https", "[::1"},
	}
	for _, tc := range bad {
		if o, err := proto.NewOrigin(tc.scheme, tc.authority); !errors.Is(err, proto.ErrInvalidOrigin) {
			t.Errorf("NewOrigin(%q, %q) = %+v, %v; want an ErrInvalidOrigin", tc.scheme, tc.authority, o, err)
		}
	}
}

func TestOriginStrings(t *testing.T) {
	cases := []struct {
		o                          proto.Origin
		authority, address, origin string
	}{
		{proto.Origin{Scheme: "http", Host: "example.com", Port: 80}, "example.com", "example.com:80", "http://example.com"},
		{proto.Origin{Scheme: "https", Host: "example.com", Port: 443}, "example.com", "example.com:443", "https://example.com"},
		{proto.Origin{Scheme: "http", Host: "example.com", Port: 443}, "example.com:443", "example.com:443", "http://example.com:443"},
		{proto.Origin{Scheme: "https", Host: "example.com", Port: 8443}, "example.com:8443", "example.com:8443", "https://example.com:8443"},
		{proto.Origin{Scheme: "http", Host: "::1", Port: 80}, "[::1]", "[::1]:80", "http://[::1]"},
		{proto.Origin{Scheme: "https", Host: "2001:db8::1", Port: 8443}, "[2001:db8::1]:8443", "[2001:db8::1]:8443", "https://[2001:db8::1]:8443"},
		{proto.Origin{Scheme: "http", Host: "10.0.0.1", Port: 8080}, "10.0.0.1:8080", "10.0.0.1:8080", "http://10.0.0.1:8080"},
	}
	for _, tc := range cases {
		if got := tc.o.Authority(); got != tc.authority {
			t.Errorf("%+v.Authority() = %q, want %q", tc.o, got, tc.authority)
		}
		if got := tc.o.Address(); got != tc.address {
			t.Errorf("%+v.Address() = %q, want %q", tc.o, got, tc.address)
		}
		if got := tc.o.String(); got != tc.origin {
			t.Errorf("%+v.String() = %q, want %q", tc.o, got, tc.origin)
		}
		// The serialization parses back to the same origin.
		back, err := proto.ParseOrigin(tc.o.String())
		if err != nil || back != tc.o {
			t.Errorf("ParseOrigin(%q) = %+v, %v; want %+v", tc.o.String(), back, err, tc.o)
		}
	}
}

func TestDefaultPort(t *testing.T) {
	for scheme, want := range map[string]int{"http": 80, "https": 443, "HTTP": 0, "ws": 0, "": 0} {
		if got := proto.DefaultPort(scheme); got != want {
			t.Errorf("DefaultPort(%q) = %d, want %d", scheme, got, want)
		}
	}
}

func TestOriginErrorMessage(t *testing.T) {
	_, err := proto.ParseOrigin("ftp://example.com")
	if err == nil {
		t.Fatal("no error")
	}
	const want = "invalid origin: scheme must be http or https: ftp"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := errors.Unwrap(err); got != proto.ErrInvalidOrigin {
		t.Errorf("Unwrap() = %v, want ErrInvalidOrigin", got)
	}
}
