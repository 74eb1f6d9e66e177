package main

import (
	"testing"
	"time"
)

func deliveryLine(phase int, seq uint64) []byte {
	p := payload{kind: 'b', phase: phase, origin: 1, seq: seq, sentNs: time.Now().UnixNano()}
	line := append([]byte(`{"push":{"channel":"bench","pub":{"data":{"message":"`), appendPayload(nil, p, 60)...)
	return append(line, `"}}}}`...)
}

func TestOnFrameCountsEveryDeliveryOnceAndDuplicatesApart(t *testing.T) {
	g, err := newGenerator(Config{Proc: 0, Procs: 2, Protocol: "centrifugo", URL: "ws://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	ps := newPhaseStats(7, 2)
	g.current.Store(ps)
	c := &client{g: g}
	c.phase.Store(-1)

	// Centrifugo batches pushes into one frame, one JSON object a line.
	batch := append(append(deliveryLine(7, 0), '\n'), deliveryLine(7, 1)...)
	g.onFrame(c, batch)
	g.onFrame(c, deliveryLine(7, 1)) // the same broadcast again: a duplicate
	g.onFrame(c, deliveryLine(6, 5)) // an earlier phase: stale
	g.onFrame(c, []byte(`{"type":"client-list","clients":["a","b"]}`))
	g.onFrame(c, []byte(`{"type":"error","message":"Unknown target"}`))

	if ps.received != 3 || ps.unique != 2 || ps.dup != 1 {
		t.Fatalf("received %d unique %d dup %d; want 3, 2, 1", ps.received, ps.unique, ps.dup)
	}
	if c.unique.Load() != 2 || g.stale.Load() != 1 {
		t.Fatalf("client unique %d, stale %d; want 2, 1", c.unique.Load(), g.stale.Load())
	}
	if g.presenceFrames.Load() != 1 || g.errorFrames.Load() != 1 || ps.errors.Load() != 1 || g.frames.Load() != 5 {
		t.Fatalf("presence %d errors %d/%d frames %d", g.presenceFrames.Load(), g.errorFrames.Load(), ps.errors.Load(), g.frames.Load())
	}
	if ps.hist.TotalCount() != 2 {
		t.Fatalf("%d latencies recorded, want 2 (duplicates are not timed)", ps.hist.TotalCount())
	}
}
