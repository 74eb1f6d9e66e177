package main

import (
	"bytes"
	"testing"
)

func TestPayloadRoundTrip(t *testing.T) {
	p := payload{kind: 'd', phase: 12, origin: 3, seq: 987654, sentNs: 1795641630927123456}
	text := appendPayload(nil, p, 100)
	if len(text) != 100 {
		t.Fatalf("length %d, want 100: %s", len(text), text)
	}
	// As it arrives inside any server's JSON frame.
	frame := append([]byte(`{"type":"direct","from":"c-1","message":"`), text...)
	frame = append(frame, `","timestamp":1}`...)
	i := bytes.Index(frame, marker)
	got, ok := parsePayload(frame[i+len(marker):])
	if !ok || got != p {
		t.Fatalf("parsed %+v, %v; want %+v", got, ok, p)
	}
}

func TestPayloadLongerThanAskedKeepsEveryField(t *testing.T) {
	p := payload{kind: 'b', phase: 1, origin: 0, seq: 1, sentNs: 1795641630927123456}
	text := appendPayload(nil, p, 10)
	if got, ok := parsePayload(text[1:]); !ok || got != p {
		t.Fatalf("parsed %+v, %v from %s", got, ok, text)
	}
}

func TestParsePayloadRejectsWhatIsNotOurs(t *testing.T) {
	for _, s := range []string{"", "b", "x1:2:3:4:", "b1:2:3:", "b1:2:x:4:", "b1::3:4:", "b99999999999999999999:1:1:1:"} {
		if _, ok := parsePayload([]byte(s)); ok {
			t.Errorf("%q parsed as a payload", s)
		}
	}
}

func TestSetBitReportsRepeats(t *testing.T) {
	var bits []uint64
	for _, n := range []uint64{0, 63, 64, 1000} {
		if !setBit(&bits, n) {
			t.Fatalf("bit %d reported as already set", n)
		}
	}
	if setBit(&bits, 64) {
		t.Fatal("bit 64 set twice without being reported")
	}
	if len(bits) != 16 {
		t.Fatalf("%d words for bit 1000, want 16", len(bits))
	}
}
