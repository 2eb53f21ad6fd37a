package pairtest

import (
	"github.com/httpwire/httpwire/h2"
)

// H2 is an HTTP/2 client core and server core connected to each other.
type H2 struct {
	Client, Server *h2.Conn
	Clock          *Clock
	// Split cuts bytes in transit, in both directions.
	Split Splitter
}

// NewH2 returns a connected client and server with the given configurations.
func NewH2(client, server h2.Config) *H2 {
	return &H2{Client: h2.NewConn(h2.Client, client), Server: h2.NewConn(h2.Server, server), Clock: NewClock()}
}

func (p *H2) conn(r h2.Role) *h2.Conn {
	if r == h2.Client {
		return p.Client
	}
	return p.Server
}

// Transfer moves everything the from side has pending to the other side, through Split, and returns the
// number of bytes moved.
func (p *H2) Transfer(from h2.Role) (int, error) {
	src, dst := p.conn(from), p.conn(from.Peer())
	out := src.Pending()
	if len(out) == 0 {
		return 0, nil
	}
	data := append([]byte(nil), out...)
	src.Advance(len(out))
	pieces := [][]byte{data}
	if p.Split != nil {
		pieces = p.Split(data)
	}
	for _, piece := range pieces {
		if err := dst.Receive(piece); err != nil {
			return 0, err
		}
	}
	return len(data), nil
}

// Events returns every event role can read now, cloned where they borrow memory, and the error that stopped
// reading, if any.
func (p *H2) Events(role h2.Role) ([]h2.Event, error) {
	c := p.conn(role)
	var evs []h2.Event
	for {
		ev, err := c.NextEvent()
		if err != nil || ev == nil {
			return evs, err
		}
		evs = append(evs, CloneH2(ev))
	}
}

// Exchange transfers in both directions and reads both sides until neither has anything to send, handing
// each event to handle (which may send more). It stops at the first error.
func (p *H2) Exchange(handle func(role h2.Role, ev h2.Event) error) error {
	for range 1000 {
		moved := 0
		for _, from := range []h2.Role{h2.Client, h2.Server} {
			n, err := p.Transfer(from)
			if err != nil {
				return err
			}
			moved += n
			to := from.Peer()
			for {
				ev, err := p.conn(to).NextEvent()
				if err != nil {
					return err
				}
				if ev == nil {
					break
				}
				if handle != nil {
					if err := handle(to, ev); err != nil {
						return err
					}
				}
			}
		}
		if moved == 0 && len(p.Client.Pending()) == 0 && len(p.Server.Pending()) == 0 {
			return nil
		}
	}
	return errNoQuiescence
}

var errNoQuiescence = errorString("pairtest: the connections kept talking for 1000 rounds")

type errorString string

func (e errorString) Error() string { return string(e) }

// CloneH2 copies an event so that it outlives the next call into its Conn.
func CloneH2(ev h2.Event) h2.Event {
	switch e := ev.(type) {
	case *h2.HeadersReceived:
		return e.Clone()
	case *h2.DataReceived:
		return e.Clone()
	case *h2.GoAwayReceived:
		return e.Clone()
	case *h2.StreamEnded:
		c := *e
		return &c
	case *h2.StreamReset:
		c := *e
		return &c
	case *h2.WindowUpdated:
		c := *e
		return &c
	case *h2.SettingsReceived:
		c := *e
		return &c
	case *h2.PingReceived:
		c := *e
		return &c
	case *h2.PingAcked:
		c := *e
		return &c
	}
	return ev
}
