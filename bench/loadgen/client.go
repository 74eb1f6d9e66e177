package main

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const writeTimeout = 5 * time.Second

// maxKeptReadBuffer: a client keeps a read buffer up to this size between frames; a larger
// one (a big presence list) is dropped so that thousands of idle clients stay small.
const maxKeptReadBuffer = 64 << 10

// maxSeq bounds the sequence numbers a client tracks, so a corrupt payload cannot make it
// allocate without limit.
const maxSeq = 1 << 26

// A client is one WebSocket connection of the generator.
type client struct {
	g    *generator
	proc int
	idx  int
	ws   *websocket.Conn
	id   string // its address for direct messages

	wmu   sync.Mutex // one writer at a time: the phase's sender and ping replies
	wbuf  []byte
	cmdID uint32 // Centrifugo command ids, under wmu once the handshake is done

	open atomic.Bool

	// Broadcast deliveries of the current phase; written only by the reader goroutine.
	phase  atomic.Int32
	unique atomic.Int64
	seen   [][]uint64 // per origin process, a bit per sequence number
	rbuf   []byte
}

func (c *client) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(frame)
}

func (c *client) writeLocked(frame []byte) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// send builds a frame in the client's buffer and writes it.
func (c *client) send(build func(dst []byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = build(c.wbuf[:0])
	return c.writeLocked(c.wbuf)
}

func (c *client) readLoop() {
	if err := c.ws.SetReadDeadline(time.Time{}); err != nil {
		c.g.onClosed(c, err)
		return
	}
	for {
		_, r, err := c.ws.NextReader()
		if err == nil {
			c.rbuf, err = readAll(c.rbuf[:0], r)
		}
		if err != nil {
			c.g.onClosed(c, err)
			return
		}
		c.g.onFrame(c, c.rbuf)
		if cap(c.rbuf) > maxKeptReadBuffer {
			c.rbuf = nil
		}
	}
}

// markSeen records a broadcast delivery; false when the client already had it.
func (c *client) markSeen(phase int32, origin int, seq uint64, origins int) bool {
	if c.phase.Load() != phase {
		c.seen = make([][]uint64, origins)
		c.unique.Store(0)
		c.phase.Store(phase)
	}
	if !setBit(&c.seen[origin], seq) {
		return false
	}
	c.unique.Add(1)
	return true
}

// setBit sets bit n; false when it was set already.
func setBit(bits *[]uint64, n uint64) bool {
	word, mask := n>>6, uint64(1)<<(n&63)
	for uint64(len(*bits)) <= word {
		*bits = append(*bits, 0)
	}
	if (*bits)[word]&mask != 0 {
		return false
	}
	(*bits)[word] |= mask
	return true
}

// readAll is io.ReadAll into a reused buffer.
func readAll(dst []byte, r io.Reader) ([]byte, error) {
	if cap(dst) == 0 {
		dst = make([]byte, 0, 512)
	}
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}
