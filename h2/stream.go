package h2

// streamState is a state of RFC 9113 §5.1. The reserved states are absent: we never push, and a client
// refuses PUSH_PROMISE (it announces SETTINGS_ENABLE_PUSH = 0).
type streamState uint8

const (
	stateIdle streamState = iota
	stateOpen
	stateHalfClosedLocal  // we sent END_STREAM
	stateHalfClosedRemote // the peer sent END_STREAM
	stateClosed
)

// streamEvent moves a stream between states.
type streamEvent uint8

const (
	sendHeaders streamEvent = iota
	recvHeaders
	sendEndStream
	recvEndStream
	sendReset
	recvReset
)

// transition is an entry of streamTransitions: the state an event leads to, if the event is allowed.
type transition struct {
	to      streamState
	allowed bool
}

// streamTransitions is the stream state machine of RFC 9113 §5.1 (figure 2), without push, indexed by state
// and event (an array: it is consulted for every frame of every stream). An absent entry is not allowed;
// resets close a stream from any state.
var streamTransitions = [stateClosed + 1][recvReset + 1]transition{
	stateIdle: {
		sendHeaders: {stateOpen, true},
		recvHeaders: {stateOpen, true},
	},
	stateOpen: {
		sendHeaders:   {stateOpen, true},
		recvHeaders:   {stateOpen, true},
		sendEndStream: {stateHalfClosedLocal, true},
		recvEndStream: {stateHalfClosedRemote, true},
	},
	stateHalfClosedLocal: {
		recvHeaders:   {stateHalfClosedLocal, true},
		recvEndStream: {stateClosed, true},
	},
	stateHalfClosedRemote: {
		sendHeaders:   {stateHalfClosedRemote, true},
		sendEndStream: {stateClosed, true},
	},
}

// next returns the state after ev, and false when the state does not allow ev.
func (s streamState) next(ev streamEvent) (streamState, bool) {
	if ev == sendReset || ev == recvReset {
		return stateClosed, true
	}
	if int(s) >= len(streamTransitions) || int(ev) >= len(streamTransitions[s]) {
		return s, false
	}
	t := streamTransitions[s][ev]
	return t.to, t.allowed
}

// stream is one open stream.
type stream struct {
	id    uint32
	state streamState

	sendWindow int64 // what the peer lets us send (may go negative after a SETTINGS change, §6.9.2)
	recvWindow int64 // what we still let the peer send
	unacked    int64 // consumed by the application, not yet returned with WINDOW_UPDATE

	contentLength int64 // declared by the peer, -1 if none (§8.1.1)
	received      int64 // DATA bytes received

	gotHeaders bool // the peer's initial (final, for a client) field section arrived
	surfaced   bool // the application has seen an event of this stream
	local      bool // we opened it
	head       bool // we sent a HEAD request on it: its response has no content
	sentFinal  bool // we sent a final response head (server role)
	blocked    bool // SendData could not send everything: waiting for a window
	infos      int  // 1xx heads received (client role)
}

// closedKind remembers how a stream closed, to answer frames that still arrive on it (§5.1, closed).
type closedKind uint8

const (
	closedNormally closedKind = iota + 1 // both sides sent END_STREAM, or the peer reset it
	closedByUs                           // we sent RST_STREAM: frames in flight are ignored
)
