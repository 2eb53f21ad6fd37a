package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// peerSet holds the demo's local servers, all on 127.0.0.1 ephemeral ports.
type peerSet struct {
	tlsH2, tlsH1, h2c, plain *httptest.Server
	roots                    *x509.CertPool
	conns                    atomic.Int64 // connections accepted by every server together
	servers                  []*httptest.Server
}

// demoHandler serves the demo's paths: /hello, /stream/N, /slow, /ws (WebSocket echo), /events (SSE).
func demoHandler(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/ws":
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			msg, op, err := wsutil.ReadClientData(conn)
			if err != nil {
				return
			}
			if err := wsutil.WriteServerMessage(conn, op, msg); err != nil {
				return
			}
		}
	case r.URL.Path == "/events":
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 5 {
			fmt.Fprintf(w, "event: tick\ndata: %d\n\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	case strings.HasPrefix(r.URL.Path, "/stream/"):
		var n int
		_, _ = fmt.Sscanf(r.URL.Path, "/stream/%d", &n)
		for i := range n {
			fmt.Fprintf(w, "chunk %d\n", i)
			w.(http.Flusher).Flush()
		}
	case r.URL.Path == "/slow":
		time.Sleep(20 * time.Millisecond)
		_, _ = io.WriteString(w, "slow")
	default:
		_, _ = io.WriteString(w, "hello from "+r.Proto)
	}
}

// startPeers starts the servers with a certificate made now for 127.0.0.1.
func startPeers() (*peerSet, error) {
	cert, roots, err := selfSigned()
	if err != nil {
		return nil, err
	}
	p := &peerSet{roots: roots}
	handler := http.HandlerFunc(demoHandler)
	count := func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			p.conns.Add(1)
		}
	}
	mk := func(tlsProtos []string, h2c bool) *httptest.Server {
		s := httptest.NewUnstartedServer(handler)
		s.Config.ConnState = count
		s.Config.ErrorLog = nil
		if tlsProtos != nil {
			s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: tlsProtos}
			s.EnableHTTP2 = len(tlsProtos) > 1
			s.StartTLS()
		} else {
			if h2c {
				s.Config.Protocols = new(http.Protocols)
				s.Config.Protocols.SetUnencryptedHTTP2(true)
			}
			s.Start()
		}
		p.servers = append(p.servers, s)
		return s
	}
	p.tlsH2 = mk([]string{"h2", "http/1.1"}, false)
	p.tlsH1 = mk([]string{"http/1.1"}, false)
	p.h2c = mk(nil, true)
	p.plain = mk(nil, false)
	return p, nil
}

func (p *peerSet) close() {
	for _, s := range p.servers {
		s.CloseClientConnections()
		s.Close()
	}
}

// selfSigned makes a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "httpwire demo"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}
