package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

var (
	presencePrefix = []byte(`{"type":"client-`)
	errorPrefix    = []byte(`{"type":"error"`)
)

// A generator holds the clients of one process and the counters the harness asks for.
type generator struct {
	cfg     Config
	proto   protocol
	dialers []*websocket.Dialer
	clients []*client

	current     atomic.Pointer[phaseStats]
	lastFrameNs atomic.Int64

	open, closed                  atomic.Int64
	frames, bytes                 atomic.Int64
	presenceFrames, presenceBytes atomic.Int64
	errorFrames, stale            atomic.Int64

	codesMu    sync.Mutex
	closeCodes map[int]int
}

func newGenerator(cfg Config) (*generator, error) {
	proto, err := newProtocol(cfg.Protocol)
	if err != nil {
		return nil, err
	}
	addrs := cfg.SourceAddrs
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1"}
	}
	// Write buffers are pooled: most clients write rarely, and idle ones then hold none.
	pool := &sync.Pool{}
	dialers := make([]*websocket.Dialer, 0, len(addrs))
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil {
			return nil, errors.New("bad source address " + a)
		}
		// One local address runs out of ephemeral ports near 28k connections to one server port.
		local := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
		dialers = append(dialers, &websocket.Dialer{
			NetDialContext:    local.DialContext,
			ReadBufferSize:    4096,
			WriteBufferSize:   1024,
			WriteBufferPool:   pool,
			EnableCompression: false,
		})
	}
	return &generator{cfg: cfg, proto: proto, dialers: dialers, closeCodes: map[int]int{}}, nil
}

func sleepUntil(ns int64) {
	if d := time.Duration(ns - time.Now().UnixNano()); d > 0 {
		time.Sleep(d)
	}
}

func (g *generator) connect(cmd Command) ConnectedEvent {
	n := g.cfg.Clients
	g.clients = make([]*client, n)
	deadline := time.Unix(0, cmd.StartAtNs).Add(time.Duration(cmd.TimeoutMs) * time.Millisecond)
	ev := ConnectedEvent{Event: "connected", Attempted: n, Errors: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		at := cmd.StartAtNs
		if cmd.RatePerSec > 0 {
			at += int64(float64(i) * 1e9 / cmd.RatePerSec)
		}
		sleepUntil(at)
		if time.Now().After(deadline) {
			ev.Failed += n - i
			ev.Errors["not-started"] += n - i
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := g.openClient(i, deadline)
			now := time.Now().UnixNano()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				ev.Failed++
				ev.Errors[errorKind(err)]++
				return
			}
			g.clients[i] = c
			ev.Welcomed++
			if ev.FirstWelcomeNs == 0 || now < ev.FirstWelcomeNs {
				ev.FirstWelcomeNs = now
			}
			ev.LastWelcomeNs = max(ev.LastWelcomeNs, now)
		}(i)
	}
	wg.Wait()
	if cmd.WantIDs {
		for _, c := range g.clients {
			if c != nil && c.open.Load() {
				ev.IDs = append(ev.IDs, c.id)
			}
		}
	}
	return ev
}

// openClient dials, runs the handshake and starts the client's reader.
func (g *generator) openClient(i int, deadline time.Time) (*client, error) {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	// Spread over the source addresses by the client's index across all processes.
	dialer := g.dialers[(g.cfg.Proc+i*g.cfg.Procs)%len(g.dialers)]
	ws, _, err := dialer.DialContext(ctx, g.cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	c := &client{g: g, proc: g.cfg.Proc, idx: i, ws: ws}
	c.phase.Store(-1)
	id, err := g.proto.handshake(c, deadline)
	if err != nil {
		_ = ws.Close()
		return nil, err
	}
	c.id = id
	c.open.Store(true)
	g.open.Add(1)
	go c.readLoop()
	return c, nil
}

// errorKind names a connect failure briefly, for counting.
func errorKind(err error) string {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return "closed-" + strconv.Itoa(ce.Code)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no-source-port"
	case errors.Is(err, syscall.EMFILE):
		return "too-many-open-files"
	case errors.Is(err, websocket.ErrBadHandshake):
		return "bad-handshake"
	}
	msg := err.Error()
	if len(msg) > 60 {
		msg = msg[:60]
	}
	return "other: " + msg
}

func (g *generator) onClosed(c *client, err error) {
	if !c.open.CompareAndSwap(true, false) {
		return
	}
	g.open.Add(-1)
	g.closed.Add(1)
	g.codesMu.Lock()
	g.closeCodes[closeCode(err)]++
	g.codesMu.Unlock()
}

func (g *generator) onFrame(c *client, data []byte) {
	now := time.Now().UnixNano()
	g.lastFrameNs.Store(now)
	g.frames.Add(1)
	g.bytes.Add(int64(len(data)))
	if len(data) <= 2 {
		if reply := g.proto.pingReply(data); reply != nil {
			_ = c.write(reply)
		}
		return
	}
	if bytes.HasPrefix(data, presencePrefix) {
		g.presenceFrames.Add(1)
		g.presenceBytes.Add(int64(len(data)))
		return
	}
	ps := g.current.Load()
	if bytes.HasPrefix(data, errorPrefix) {
		g.errorFrames.Add(1)
		if ps != nil {
			ps.errors.Add(1)
		}
		return
	}
	// A frame may carry several deliveries (Centrifugo batches them, one JSON object a line).
	for rest := data; ; {
		i := bytes.Index(rest, marker)
		if i < 0 {
			return
		}
		rest = rest[i+len(marker):]
		p, ok := parsePayload(rest)
		if !ok || p.origin >= g.cfg.Procs || p.seq >= maxSeq {
			continue
		}
		if ps == nil || int32(p.phase) != ps.id {
			g.stale.Add(1)
			continue
		}
		fresh := true
		if p.kind == 'b' {
			fresh = c.markSeen(ps.id, p.origin, p.seq, g.cfg.Procs)
		}
		ps.record(p, fresh, now)
	}
}

func (g *generator) settle(cmd Command) SettledEvent {
	start := time.Now()
	quiet := time.Duration(cmd.QuietMs) * time.Millisecond
	limit := time.Duration(cmd.MaxMs) * time.Millisecond
	for {
		last := time.Unix(0, max(g.lastFrameNs.Load(), start.UnixNano()))
		if time.Since(last) >= quiet {
			return SettledEvent{Event: "settled", Quiet: true, WaitedMs: time.Since(start).Milliseconds()}
		}
		if time.Since(start) >= limit {
			return SettledEvent{Event: "settled", Quiet: false, WaitedMs: time.Since(start).Milliseconds()}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (g *generator) snapshot() SnapshotEvent {
	g.codesMu.Lock()
	codes := make(map[string]int, len(g.closeCodes))
	for code, n := range g.closeCodes {
		codes[strconv.Itoa(code)] = n
	}
	g.codesMu.Unlock()
	return SnapshotEvent{
		Event:          "snapshot",
		Open:           g.open.Load(),
		Closed:         g.closed.Load(),
		CloseCodes:     codes,
		Frames:         g.frames.Load(),
		Bytes:          g.bytes.Load(),
		PresenceFrames: g.presenceFrames.Load(),
		PresenceBytes:  g.presenceBytes.Load(),
		ErrorFrames:    g.errorFrames.Load(),
		Stale:          g.stale.Load(),
	}
}
