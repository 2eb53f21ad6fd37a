package h2_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// TestPairManyStreams runs 50 concurrent requests with bodies through a client and a server core, the server
// answering each with a body larger than the initial stream window, and checks that every response arrives
// whole and unmixed.
func TestPairManyStreams(t *testing.T) {
	p := pairtest.NewH2(h2.Config{StreamWindow: 65535, ConnWindow: 65535}, h2.Config{})
	p.Split = pairtest.Bytewise
	if err := p.Exchange(nil); err != nil {
		t.Fatal(err)
	}
	const n = 50
	want := map[uint32]string{}
	for i := range n {
		req := &proto.RequestHead{Method: []byte("POST"), Scheme: []byte("https"), Authority: []byte("a"),
			Target: []byte(fmt.Sprintf("/%d", i))}
		id, err := p.Client.SendRequest(req, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Client.SendData(id, []byte("ping"), true); err != nil {
			t.Fatal(err)
		}
		want[id] = fmt.Sprintf("/%d:%0100000d", i, 0)
	}
	p.Split = nil
	got := map[uint32]string{}
	pending := map[uint32][]byte{}
	err := p.Exchange(func(role h2.Role, ev h2.Event) error {
		c := p.Client
		if role == h2.Server {
			c = p.Server
		}
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if role == h2.Server {
				body := fmt.Sprintf("%s:%0100000d", e.Request.Target, 0)
				if err := c.SendResponse(e.StreamID, proto.NewResponse(200), false); err != nil {
					return err
				}
				pending[e.StreamID] = []byte(body)
			}
		case *h2.DataReceived:
			c.Consume(e.StreamID, len(e.Data))
			if role == h2.Client {
				got[e.StreamID] += string(e.Data)
			}
		case *h2.StreamEnded, *h2.WindowUpdated:
			if role == h2.Server {
				for id, b := range pending {
					sent, err := c.SendData(id, b, true)
					if err != nil {
						return err
					}
					if pending[id] = b[sent:]; len(pending[id]) == 0 {
						delete(pending, id)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("bodies (-want +got):\n%.2000s", diff)
	}
	if p.Client.OpenStreams() != 0 || p.Server.OpenStreams() != 0 {
		t.Fatalf("open streams: client %d, server %d", p.Client.OpenStreams(), p.Server.OpenStreams())
	}
}
