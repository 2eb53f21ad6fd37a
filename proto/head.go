package proto

// Version is an HTTP version.
type Version uint8

// The HTTP versions the cores speak.
const (
	HTTP10 Version = 10 // HTTP/1.0
	HTTP11 Version = 11 // HTTP/1.1
	HTTP2  Version = 20 // HTTP/2
)

// String returns the version as it follows "HTTP/" on the wire: "1.0", "1.1" or "2".
func (v Version) String() string {
	switch v {
	case HTTP10:
		return "1.0"
	case HTTP11:
		return "1.1"
	case HTTP2:
		return "2"
	}
	return "unknown"
}

// RequestHead is the head of a request: everything but the content and the trailers.
//
// In HTTP/1.1 the authority travels in the Host field; a sender that leaves Host out of Fields gets one made
// from Authority. A parsed HTTP/1.1 request has an empty Authority and Scheme; HTTP/2 fills them from the
// pseudo-header fields (RFC 9113 §8.3.1).
type RequestHead struct {
	Method    []byte
	Scheme    []byte
	Authority []byte
	Target    []byte // request-target (RFC 9112 §3.2) or :path
	Protocol  []byte // :protocol of an extended CONNECT (RFC 8441); empty otherwise
	Version   Version
	Fields    Fields
}

// NewRequest returns a request head with the given method, target and fields (name, value pairs).
// It panics if pairs has an odd length.
func NewRequest(method, target string, pairs ...string) *RequestHead {
	if len(pairs)%2 != 0 {
		panic("proto.NewRequest: odd number of name/value strings")
	}
	h := &RequestHead{Method: []byte(method), Target: []byte(target), Version: HTTP11}
	for i := 0; i < len(pairs); i += 2 {
		h.Fields.Add(pairs[i], pairs[i+1])
	}
	return h
}

// Clone returns a deep copy of h that shares no bytes with it.
func (h *RequestHead) Clone() *RequestHead {
	c := *h
	c.Method = cloneBytes(h.Method)
	c.Scheme = cloneBytes(h.Scheme)
	c.Authority = cloneBytes(h.Authority)
	c.Target = cloneBytes(h.Target)
	c.Protocol = cloneBytes(h.Protocol)
	c.Fields = h.Fields.Clone()
	return &c
}

// ResponseHead is the head of a response, final or informational (1xx).
type ResponseHead struct {
	Status  int
	Reason  []byte // the reason phrase of HTTP/1.x; empty in HTTP/2
	Version Version
	Fields  Fields
}

// NewResponse returns a response head with the given status and fields (name, value pairs).
// It panics if pairs has an odd length.
func NewResponse(status int, pairs ...string) *ResponseHead {
	if len(pairs)%2 != 0 {
		panic("proto.NewResponse: odd number of name/value strings")
	}
	h := &ResponseHead{Status: status, Version: HTTP11}
	for i := 0; i < len(pairs); i += 2 {
		h.Fields.Add(pairs[i], pairs[i+1])
	}
	return h
}

// Clone returns a deep copy of h that shares no bytes with it.
func (h *ResponseHead) Clone() *ResponseHead {
	c := *h
	c.Reason = cloneBytes(h.Reason)
	c.Fields = h.Fields.Clone()
	return &c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
