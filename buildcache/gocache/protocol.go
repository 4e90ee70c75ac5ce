package gocache

import "time"

// The GOCACHEPROG protocol, as cmd/go/internal/cacheprog defines it: the go
// command writes requests, one JSON object a line, on the program's
// standard input (a put's body follows on its own line as a base64 JSON
// string), and reads responses, in any order, on its standard output. The
// first response, unsolicited with ID 0, lists the commands the program
// knows.

// Commands of the protocol.
const (
	cmdGet   = "get"
	cmdPut   = "put"
	cmdClose = "close"
)

// request is one request of the go command.
type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

// response answers the request of the same ID.
type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}
