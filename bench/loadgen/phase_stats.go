package main

import (
	"sync"
	"sync/atomic"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to 60 s, to three significant digits.
const (
	histMinUs  = 1
	histMaxUs  = 60_000_000
	histDigits = 3
)

// phaseStats counts the deliveries of one phase in this process.
type phaseStats struct {
	id      int32
	origins int

	mu         sync.Mutex
	hist       *hdrhistogram.Histogram
	received   int64
	unique     int64
	dup        int64
	first      int64
	directSeen [][]uint64 // direct messages: each goes to one client, so dedup is per process

	last   atomic.Int64
	errors atomic.Int64
}

func newPhaseStats(id int, origins int) *phaseStats {
	return &phaseStats{
		id:         int32(id),
		origins:    origins,
		hist:       hdrhistogram.New(histMinUs, histMaxUs, histDigits),
		directSeen: make([][]uint64, origins),
	}
}

// record counts one delivery; broadcastFresh says whether the receiving client had not seen
// this broadcast yet (ignored for direct messages, which are deduplicated here).
func (s *phaseStats) record(p payload, broadcastFresh bool, nowNs int64) {
	latencyUs := (nowNs - p.sentNs) / 1000
	latencyUs = max(histMinUs, min(latencyUs, histMaxUs))
	s.mu.Lock()
	fresh := broadcastFresh
	if p.kind == 'd' {
		fresh = setBit(&s.directSeen[p.origin], p.seq)
	}
	s.received++
	if fresh {
		s.unique++
		// Only first deliveries are timed: a duplicate says nothing about latency.
		_ = s.hist.RecordValue(latencyUs)
	} else {
		s.dup++
	}
	if s.first == 0 {
		s.first = nowNs
	}
	s.mu.Unlock()
	s.last.Store(nowNs)
}

// buckets lists the histogram's non-empty buckets as [highest value, count].
func (s *phaseStats) buckets() [][2]int64 {
	out := [][2]int64{}
	for _, bar := range s.hist.Distribution() {
		if bar.Count > 0 {
			out = append(out, [2]int64{bar.To, bar.Count})
		}
	}
	return out
}
