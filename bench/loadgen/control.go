package main

// The harness drives each generator process over stdin/stdout, one JSON object a line: the
// first line is a Config, every later line a Command, answered by exactly one event line.

// Config is what a generator process holds for its whole life.
type Config struct {
	Proc         int      `json:"proc"`         // this process's index, 0..Procs-1
	Procs        int      `json:"procs"`        // generator processes in the run
	Protocol     string   `json:"protocol"`     // cmf, socketio or centrifugo
	URL          string   `json:"url"`          // the server's WebSocket URL
	Clients      int      `json:"clients"`      // clients this process opens
	SourceAddrs  []string `json:"sourceAddrs"`  // local addresses the clients bind, round-robin
	PayloadBytes int      `json:"payloadBytes"` // length of each message text
}

// Command is one instruction; which fields matter depends on Cmd.
type Command struct {
	Cmd string `json:"cmd"` // connect, settle, phase, snapshot, quit

	// connect: open Config.Clients clients from StartAtNs, RatePerSec of them a second (0: all at once).
	StartAtNs  int64   `json:"startAtNs"`
	RatePerSec float64 `json:"ratePerSec"`
	TimeoutMs  int     `json:"timeoutMs"`
	WantIDs    bool    `json:"wantIds"`

	// settle: wait until no frame has arrived for QuietMs, at most MaxMs.
	QuietMs int `json:"quietMs"`
	MaxMs   int `json:"maxMs"`

	// phase: send Rate messages a second (this process's share) for DurationMs from StartAtNs,
	// then wait until deliveries have been quiet for DrainQuietMs, at most DrainMaxMs.
	Phase        int      `json:"phase"`
	Kind         string   `json:"kind"` // broadcast or direct
	Rate         float64  `json:"rate"`
	DurationMs   int      `json:"durationMs"`
	Targets      []string `json:"targets"` // direct: every client's address, all processes
	DrainQuietMs int      `json:"drainQuietMs"`
	DrainMaxMs   int      `json:"drainMaxMs"`
}

// ConnectedEvent answers connect.
type ConnectedEvent struct {
	Event          string         `json:"event"`
	Attempted      int            `json:"attempted"`
	Welcomed       int            `json:"welcomed"`
	Failed         int            `json:"failed"`
	Errors         map[string]int `json:"errors"`
	FirstWelcomeNs int64          `json:"firstWelcomeNs"`
	LastWelcomeNs  int64          `json:"lastWelcomeNs"`
	IDs            []string       `json:"ids,omitempty"`
}

// SettledEvent answers settle.
type SettledEvent struct {
	Event    string `json:"event"`
	Quiet    bool   `json:"quiet"`
	WaitedMs int64  `json:"waitedMs"`
}

// PhaseEvent answers phase. Latencies are in microseconds.
type PhaseEvent struct {
	Event        string     `json:"event"`
	Phase        int        `json:"phase"`
	Sent         int64      `json:"sent"`
	SendErrors   int64      `json:"sendErrors"`
	SendLagMaxMs float64    `json:"sendLagMaxMs"`
	SendStartNs  int64      `json:"sendStartNs"`
	SendEndNs    int64      `json:"sendEndNs"`
	Received     int64      `json:"received"`
	UniqueOpen   int64      `json:"uniqueOpen"` // unique deliveries to clients still open at the end
	Unique       int64      `json:"unique"`
	Dup          int64      `json:"dup"`
	Errors       int64      `json:"errors"` // error frames from the server during the phase
	FirstRecvNs  int64      `json:"firstRecvNs"`
	LastRecvNs   int64      `json:"lastRecvNs"`
	OpenAtStart  int        `json:"openAtStart"`
	Open         int        `json:"open"`
	Hist         [][2]int64 `json:"hist"` // [highest value of a bucket, count], non-empty buckets
	MaxUs        int64      `json:"maxUs"`
}

// SnapshotEvent answers snapshot: counters since the process started.
type SnapshotEvent struct {
	Event          string         `json:"event"`
	Open           int64          `json:"open"`
	Closed         int64          `json:"closed"`
	CloseCodes     map[string]int `json:"closeCodes"`
	Frames         int64          `json:"frames"`
	Bytes          int64          `json:"bytes"`
	PresenceFrames int64          `json:"presenceFrames"`
	PresenceBytes  int64          `json:"presenceBytes"`
	ErrorFrames    int64          `json:"errorFrames"`
	Stale          int64          `json:"stale"` // deliveries of a phase that had already ended
}
