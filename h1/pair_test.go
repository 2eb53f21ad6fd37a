package h1_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// summary renders events as short strings, for table comparisons.
func summary(evs []h1.Event) []string {
	var out []string
	for _, ev := range evs {
		switch e := ev.(type) {
		case *h1.Request:
			out = append(out, "request "+string(e.Method)+" "+string(e.Target)+fieldSummary(e.Fields))
		case *h1.InformationalResponse:
			out = append(out, "informational "+itoa(e.Status)+fieldSummary(e.Fields))
		case *h1.Response:
			out = append(out, "response "+itoa(e.Status)+" "+string(e.Reason)+fieldSummary(e.Fields))
		case *h1.Data:
			if n := len(out); n > 0 && len(out[n-1]) > 5 && out[n-1][:5] == "data " {
				out[n-1] += string(e.Data)
				continue
			}
			out = append(out, "data "+string(e.Data))
		case *h1.EndOfMessage:
			out = append(out, "end"+fieldSummary(e.Trailers))
		case *h1.ConnectionClosed:
			out = append(out, "closed")
		case *h1.Paused:
			out = append(out, "paused")
		}
	}
	return out
}

func fieldSummary(f proto.Fields) string {
	s := ""
	for _, x := range f {
		s += " " + string(x.Name) + "=" + string(x.Value)
	}
	return s
}

func itoa(n int) string {
	return string(rune('0'+n/100)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

func TestPairChunkedExchangeBytewise(t *testing.T) {
	p := pairtest.NewH1()
	p.Split = pairtest.Bytewise
	req := proto.NewRequest("POST", "/up", "Host", "a", "Transfer-Encoding", "chunked")
	must(t, p.Client.SendRequest(req))
	must(t, p.Client.SendData([]byte("hello ")))
	must(t, p.Client.SendData([]byte("world")))
	must(t, p.Client.SendEnd(proto.Fields{{Name: []byte("X-Sum"), Value: []byte("1")}}))
	if _, err := p.Transfer(h1.Client); err != nil {
		t.Fatal(err)
	}
	evs, err := p.Events(h1.Server)
	must(t, err)
	want := []string{"request POST /up Host=a Transfer-Encoding=chunked", "data hello world", "end X-Sum=1"}
	if diff := cmp.Diff(want, summary(evs)); diff != "" {
		t.Fatalf("server events (-want +got):\n%s", diff)
	}
	must(t, p.Server.SendResponse(proto.NewResponse(200)))
	must(t, p.Server.SendData([]byte("ok")))
	must(t, p.Server.SendEnd(nil))
	if _, err := p.Transfer(h1.Server); err != nil {
		t.Fatal(err)
	}
	evs, err = p.Events(h1.Client)
	must(t, err)
	want = []string{"response 200 OK Transfer-Encoding=chunked", "data ok", "end"}
	if diff := cmp.Diff(want, summary(evs)); diff != "" {
		t.Fatalf("client events (-want +got):\n%s", diff)
	}
	for _, c := range []*h1.Conn{p.Client, p.Server} {
		if c.OurState() != h1.Done || c.TheirState() != h1.Done {
			t.Fatalf("%v: states %v/%v, want Done/Done", c.Role(), c.OurState(), c.TheirState())
		}
		must(t, c.StartNextCycle())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
