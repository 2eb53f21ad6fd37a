package proto

// Role is the side of a connection a protocol core plays.
type Role uint8

// The two roles.
const (
	Client Role = iota
	Server
)

func (r Role) String() string {
	if r == Client {
		return "client"
	}
	return "server"
}

// Peer returns the other side.
func (r Role) Peer() Role { return 1 - r }
