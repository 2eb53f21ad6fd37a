package h1

import (
	"fmt"

	"github.com/httpwire/httpwire/proto"
)

// Role is the side of the connection a Conn plays.
type Role = proto.Role

// The two roles.
const (
	Client = proto.Client
	Server = proto.Server
)

// State is where one side of a connection stands in the current request/response cycle (the model of h11).
type State uint8

// The states of one side.
const (
	Idle                State = iota // no message started in this cycle
	SendResponse                     // server only: the request arrived, no final response yet
	SendBody                         // the head went out; body data and the end of message follow
	Done                             // the message is complete; the connection may be reused
	MustClose                        // the message is complete and the connection cannot be reused
	Closed                           // this side closed the connection
	MightSwitchProtocol              // client only: the request proposed a protocol switch, no answer yet
	SwitchedProtocol                 // the connection now speaks another protocol (101, or 2xx to CONNECT)
	Error                            // this side broke the protocol
	numStates
)

var stateNames = [...]string{"Idle", "SendResponse", "SendBody", "Done", "MustClose", "Closed",
	"MightSwitchProtocol", "SwitchedProtocol", "Error"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// eventKind is what moves a side from one state to another.
type eventKind uint8

const (
	evRequest eventKind = iota
	evInformational
	evResponse
	evData
	evEnd
	evClosed
	evClientRequest // the server side's view of the client sending a request
	evUpgradeAccept // a 101 accepting an Upgrade proposal
	evConnectAccept // a 2xx accepting a CONNECT
	numEventKinds
)

type transition struct {
	role  Role
	from  State
	event eventKind
	to    State
}

// transitions is the whole event-triggered state machine of both roles (after h11's _state.py).
var transitions = []transition{
	{Client, Idle, evRequest, SendBody},
	{Client, Idle, evClosed, Closed},
	{Client, SendBody, evData, SendBody},
	{Client, SendBody, evEnd, Done},
	{Client, Done, evClosed, Closed},
	{Client, MustClose, evClosed, Closed},
	{Client, Closed, evClosed, Closed},

	{Server, Idle, evClosed, Closed},
	{Server, Idle, evResponse, SendBody}, // e.g. a 408 before any request
	{Server, Idle, evClientRequest, SendResponse},
	{Server, SendResponse, evInformational, SendResponse},
	{Server, SendResponse, evResponse, SendBody},
	{Server, SendResponse, evUpgradeAccept, SwitchedProtocol},
	{Server, SendResponse, evConnectAccept, SwitchedProtocol},
	{Server, SendBody, evData, SendBody},
	{Server, SendBody, evEnd, Done},
	{Server, Done, evClosed, Closed},
	{Server, MustClose, evClosed, Closed},
	{Server, Closed, evClosed, Closed},
}

// table[role][from][event] is the next state plus one, zero meaning "not allowed".
var table = func() (t [2][numStates][numEventKinds]State) {
	for _, tr := range transitions {
		t[tr.role][tr.from][tr.event] = tr.to + 1
	}
	return t
}()

// jointTransitions fire on a pair of states (client, server), as h11's STATE_TRIGGERED_TRANSITIONS: a client
// waiting on a proposal follows the server's switch, and a side that closed or failed leaves the other
// unable to reuse the connection.
var jointTransitions = []struct {
	when [2]State
	role Role
	to   State
}{
	{[2]State{MightSwitchProtocol, SwitchedProtocol}, Client, SwitchedProtocol},
	{[2]State{Closed, Done}, Server, MustClose},
	{[2]State{Closed, Idle}, Server, MustClose},
	{[2]State{Error, Done}, Server, MustClose},
	{[2]State{Done, Closed}, Client, MustClose},
	{[2]State{Idle, Closed}, Client, MustClose},
	{[2]State{Done, Error}, Client, MustClose},
}

// machine tracks both sides of one connection and the state-triggered transitions between them.
type machine struct {
	states         [2]State
	keepAlive      bool
	pendingUpgrade bool // the client's request carries Upgrade (RFC 9110 §7.8)
	pendingConnect bool // the client's request is a CONNECT (RFC 9110 §9.3.6)
}

func newMachine() machine { return machine{keepAlive: true} }

// process applies event by role, then the state-triggered transitions. It returns false, changing nothing,
// if role's state does not allow the event.
func (m *machine) process(role Role, ev eventKind) bool {
	switch ev {
	case evUpgradeAccept:
		if !m.pendingUpgrade {
			return false
		}
	case evConnectAccept:
		if !m.pendingConnect {
			return false
		}
	case evResponse:
		// A final response that does not accept the proposal declines it.
		m.pendingUpgrade, m.pendingConnect = false, false
	}
	next := table[role][m.states[role]][ev]
	if next == 0 {
		return false
	}
	if ev == evRequest {
		srv := table[Server][m.states[Server]][evClientRequest]
		if srv == 0 {
			return false
		}
		m.states[Server] = srv - 1
	}
	m.states[role] = next - 1
	m.settle()
	return true
}

// settle fires the transitions that depend on the pair of states, until nothing changes.
func (m *machine) settle() {
	for {
		before := m.states
		c := &m.states[Client]
		pending := m.pendingUpgrade || m.pendingConnect
		if pending && *c == Done {
			*c = MightSwitchProtocol
		}
		if !pending && *c == MightSwitchProtocol {
			*c = Done
		}
		if !m.keepAlive {
			for r := range m.states {
				if m.states[r] == Done {
					m.states[r] = MustClose
				}
			}
		}
		if triggers(m.states[Client]) || triggers(m.states[Server]) {
			for _, j := range jointTransitions {
				if m.states == j.when {
					m.states[j.role] = j.to
					break
				}
			}
		}
		if m.states == before {
			return
		}
	}
}

// triggers reports whether s is in a pair of jointTransitions: every pair there has a side that proposed a
// switch, closed or failed, so a pair of other states needs no look at the table.
func triggers(s State) bool { return s == MightSwitchProtocol || s == Closed || s == Error }

// fail puts role in the Error state.
func (m *machine) fail(role Role) {
	m.states[role] = Error
	m.settle()
}

// nextCycle resets both sides to Idle; both must be Done.
func (m *machine) nextCycle() bool {
	if m.states != [2]State{Done, Done} {
		return false
	}
	m.states = [2]State{Idle, Idle}
	m.pendingUpgrade, m.pendingConnect = false, false
	return true
}
