package main

import (
	"math/rand/v2"
	"time"
)

// runPhase sends this process's share of a phase's messages on schedule, waits for the
// deliveries to drain, and reports what this process's clients received.
func (g *generator) runPhase(cmd Command) PhaseEvent {
	ps := newPhaseStats(cmd.Phase, g.cfg.Procs)
	g.current.Store(ps)
	senders := make([]*client, 0, len(g.clients))
	for _, c := range g.clients {
		if c != nil && c.open.Load() {
			senders = append(senders, c)
		}
	}
	kind := byte('b')
	if cmd.Kind == "direct" {
		kind = 'd'
	}
	sleepUntil(cmd.StartAtNs)
	ev := PhaseEvent{Event: "phase", Phase: cmd.Phase, OpenAtStart: len(senders), SendStartNs: time.Now().UnixNano()}
	if cmd.Rate > 0 && (kind == 'b' || len(cmd.Targets) > 1) {
		g.sendOnSchedule(cmd, kind, senders, &ev)
	}
	ev.SendEndNs = time.Now().UnixNano()

	quiet := int64(cmd.DrainQuietMs) * int64(time.Millisecond)
	limit := ev.SendEndNs + int64(cmd.DrainMaxMs)*int64(time.Millisecond)
	for {
		now := time.Now().UnixNano()
		if now-max(ps.last.Load(), ev.SendEndNs) >= quiet || now >= limit {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Deliveries of this phase that arrive from now on count as stale.
	g.current.Store(nil)

	ps.mu.Lock()
	defer ps.mu.Unlock()
	ev.Received, ev.Unique, ev.Dup = ps.received, ps.unique, ps.dup
	ev.FirstRecvNs, ev.LastRecvNs = ps.first, ps.last.Load()
	ev.Errors = ps.errors.Load()
	ev.Hist, ev.MaxUs = ps.buckets(), ps.hist.Max()
	ev.UniqueOpen = ps.unique
	if kind == 'b' {
		ev.UniqueOpen = 0
		for _, c := range g.clients {
			if c != nil && c.open.Load() && c.phase.Load() == ps.id {
				ev.UniqueOpen += c.unique.Load()
			}
		}
	}
	ev.Open = int(g.open.Load())
	return ev
}

// sendOnSchedule sends Rate×Duration messages, each when it is due, round-robin over the
// open clients; a late generator catches up in a burst and reports how late it was.
func (g *generator) sendOnSchedule(cmd Command, kind byte, senders []*client, ev *PhaseEvent) {
	total := int64(cmd.Rate * float64(cmd.DurationMs) / 1000)
	intervalNs := 1e9 / cmd.Rate
	start := ev.SendStartNs
	var pbuf []byte
	var seq uint64
	next := 0
	for attempted := int64(0); attempted < total && len(senders) > 0; {
		now := time.Now().UnixNano()
		due := min(total, int64(float64(now-start)/intervalNs)+1)
		for ; attempted < due && len(senders) > 0; attempted++ {
			next %= len(senders)
			c := senders[next]
			if !c.open.Load() {
				senders = append(senders[:next], senders[next+1:]...)
				attempted--
				continue
			}
			next++
			lagMs := float64(now-start-int64(float64(attempted)*intervalNs)) / 1e6
			ev.SendLagMaxMs = max(ev.SendLagMaxMs, lagMs)
			target := ""
			if kind == 'd' {
				target = cmd.Targets[rand.IntN(len(cmd.Targets))]
				for target == c.id {
					target = cmd.Targets[rand.IntN(len(cmd.Targets))]
				}
			}
			p := payload{kind: kind, phase: cmd.Phase, origin: g.cfg.Proc, seq: seq, sentNs: time.Now().UnixNano()}
			seq++
			pbuf = appendPayload(pbuf[:0], p, g.cfg.PayloadBytes)
			err := c.send(func(dst []byte) []byte {
				if kind == 'd' {
					return g.proto.appendDirect(dst, c, target, pbuf)
				}
				return g.proto.appendBroadcast(dst, c, pbuf)
			})
			if err != nil {
				ev.SendErrors++
				continue
			}
			ev.Sent++
		}
		if wait := start + int64(float64(attempted)*intervalNs) - time.Now().UnixNano(); wait > 0 {
			time.Sleep(time.Duration(wait))
		}
	}
}
