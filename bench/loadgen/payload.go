package main

import (
	"bytes"
	"strconv"
)

// A payload is the text of one benchmark message: "@<kind><phase>:<origin>:<seq>:<sentNs>:"
// padded with 'x' to the configured length. kind is 'b' (broadcast) or 'd' (direct), origin
// the sending process, seq its count within the phase, sentNs the wall clock at sending (the
// generator processes share one machine, hence one clock).
type payload struct {
	kind   byte
	phase  int
	origin int
	seq    uint64
	sentNs int64
}

// marker starts every payload as it appears inside a JSON string in any server's frame.
var marker = []byte(`"@`)

func appendPayload(dst []byte, p payload, length int) []byte {
	start := len(dst)
	dst = append(dst, '@', p.kind)
	dst = strconv.AppendInt(dst, int64(p.phase), 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(p.origin), 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, p.seq, 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, p.sentNs, 10)
	dst = append(dst, ':')
	for len(dst)-start < length {
		dst = append(dst, 'x')
	}
	return dst
}

// parsePayload reads the payload that starts right after a marker; ok is false when the
// text is not one of ours.
func parsePayload(b []byte) (p payload, ok bool) {
	if len(b) < 2 || (b[0] != 'b' && b[0] != 'd') {
		return p, false
	}
	p.kind = b[0]
	fields := [4]uint64{}
	rest := b[1:]
	for i := range fields {
		end := bytes.IndexByte(rest, ':')
		if end <= 0 || end > 19 {
			return p, false
		}
		var v uint64
		for _, d := range rest[:end] {
			if d < '0' || d > '9' {
				return p, false
			}
			v = v*10 + uint64(d-'0')
		}
		fields[i] = v
		rest = rest[end+1:]
	}
	p.phase, p.origin, p.seq, p.sentNs = int(fields[0]), int(fields[1]), fields[2], int64(fields[3])
	return p, true
}
