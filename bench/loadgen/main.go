// Command cmf-loadgen is the benchmark's load generator: one process holds up to a few
// thousand WebSocket clients of one server and runs the phases the harness (bench/src) sends
// it on stdin, answering each with one JSON line on stdout. See control.go for the messages.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := json.NewEncoder(os.Stdout)
	var cfg Config
	if err := readLine(in, &cfg); err != nil {
		fail("reading the configuration: %v", err)
	}
	if cfg.Procs < 1 || cfg.Proc < 0 || cfg.Proc >= cfg.Procs || cfg.Clients < 0 {
		fail("bad configuration: proc %d of %d, %d clients", cfg.Proc, cfg.Procs, cfg.Clients)
	}
	g, err := newGenerator(cfg)
	if err != nil {
		fail("%v", err)
	}
	// CMF_LOADGEN_CPUPROFILE=<prefix>: each process writes <prefix>.<proc>.pprof, to see where
	// the generator's own time goes.
	if prefix := os.Getenv("CMF_LOADGEN_CPUPROFILE"); prefix != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d.pprof", prefix, cfg.Proc))
		if err != nil {
			fail("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	for {
		var cmd Command
		if err := readLine(in, &cmd); err != nil {
			if err == io.EOF {
				return
			}
			fail("reading a command: %v", err)
		}
		var ev any
		switch cmd.Cmd {
		case "connect":
			ev = g.connect(cmd)
		case "settle":
			ev = g.settle(cmd)
		case "phase":
			ev = g.runPhase(cmd)
		case "snapshot":
			ev = g.snapshot()
		case "quit":
			// The kernel closes every socket as the process exits.
			return
		default:
			fail("unknown command %q", cmd.Cmd)
		}
		if err := out.Encode(ev); err != nil {
			fail("writing an event: %v", err)
		}
	}
}

func readLine(in *bufio.Reader, v any) error {
	line, err := in.ReadBytes('\n')
	if err != nil && (err != io.EOF || len(line) == 0) {
		return err
	}
	return json.Unmarshal(line, v)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cmf-loadgen: "+format+"\n", args...)
	os.Exit(2)
}
