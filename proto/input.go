package proto

// AppendInput appends received bytes b to a core's input buffer, whose unread part is in[r:], and returns the
// buffer and the new read offset. What was read is dropped first when nothing is left unread, or when
// dropping it saves growing the buffer; otherwise the unread part stays where it is.
func AppendInput(in []byte, r int, b []byte) ([]byte, int) {
	if r == len(in) {
		in, r = in[:0], 0
	} else if r > 0 && cap(in)-len(in) < len(b) {
		n := copy(in, in[r:])
		in, r = in[:n], 0
	}
	return append(in, b...), r
}
