package proto

import (
	"errors"
	"strconv"
	"strings"
)

// Origin identifies the server a connection goes to: scheme, host and port (RFC 6454 §4). Pools group
// connections by origin.
type Origin struct {
	Scheme string // "http" or "https", lower case
	Host   string // lower case; an IPv6 address without brackets
	Port   int
}

// ErrInvalidOrigin is returned for a URL that does not name an http or https origin.
var ErrInvalidOrigin = errors.New("invalid origin")

// DefaultPort returns the port that scheme implies: 80 for http, 443 for https, 0 otherwise.
func DefaultPort(scheme string) int {
	switch scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return 0
}

// ParseOrigin returns the origin of an absolute http or https URL ("https://example.com:8443/path"),
// filling in the scheme's default port. Userinfo, path, query and fragment are ignored.
func ParseOrigin(rawURL string) (Origin, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return Origin{}, &originError{"not an absolute URL: " + rawURL}
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return NewOrigin(scheme, rest)
}

// NewOrigin returns the origin of scheme (http or https) and an authority "host[:port]", where an IPv6 host is
// bracketed. A missing port is the scheme's default.
func NewOrigin(scheme, authority string) (Origin, error) {
	o := Origin{Scheme: strings.ToLower(scheme)}
	if DefaultPort(o.Scheme) == 0 {
		return Origin{}, &originError{"scheme must be http or https: " + scheme}
	}
	host, port := authority, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return Origin{}, &originError{"unclosed IPv6 bracket in " + authority}
		}
		host, port = host[1:end], host[end+1:]
		if port != "" && port[0] != ':' {
			return Origin{}, &originError{"junk after IPv6 address in " + authority}
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	if host == "" {
		return Origin{}, &originError{"no host in " + authority}
	}
	if !validHost(host, strings.HasPrefix(authority, "[")) {
		return Origin{}, &originError{"invalid host " + strconv.Quote(host)}
	}
	o.Host = strings.ToLower(host)
	o.Port = DefaultPort(o.Scheme)
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 || port[0] == '+' {
			return Origin{}, &originError{"invalid port " + port}
		}
		o.Port = n
	}
	return o, nil
}

// Authority returns host:port as it goes in a Host field or :authority (RFC 9110 §7.2): the port is left out
// when it is the scheme's default, and IPv6 addresses are bracketed.
func (o Origin) Authority() string {
	h := o.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if o.Port == DefaultPort(o.Scheme) {
		return h
	}
	return h + ":" + strconv.Itoa(o.Port)
}

// Address returns host:port for dialing, with the port always present.
func (o Origin) Address() string {
	h := o.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return h + ":" + strconv.Itoa(o.Port)
}

// String returns the origin's serialization, scheme "://" authority.
func (o Origin) String() string { return o.Scheme + "://" + o.Authority() }

type originError struct{ msg string }

func (e *originError) Error() string { return "invalid origin: " + e.msg }
func (e *originError) Unwrap() error { return ErrInvalidOrigin }

// validHost checks a host (RFC 3986 §3.2.2): an IPv6 literal (given in brackets) of hex digits, colons and
// dots, or a reg-name / IPv4 address of unreserved characters, sub-delims and percent-encodings.
func validHost(host string, bracketed bool) bool {
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.':
		case bracketed:
			if c != ':' && c != '%' {
				return false
			}
		case strings.IndexByte("-_~!$&'()*+,;=%", c) < 0:
			return false
		}
	}
	return true
}
