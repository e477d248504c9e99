// Command moov-bench is the moov-io/iso8583 baseline of fluxrig's ISO 8583 benchmark (bench/iso8583).
//
// It unpacks and re-packs one message, single-threaded, in a warm-up then a measured window (both in
// process CPU time), and prints one JSON line: {"impl":"moov","spec":"ascii","ops_per_cpu_sec":N,...}. The message bytes come from the caller
// (bench/iso8583/run.ts passes the same hex to fluxrig, jPOS and this program), so every implementation
// does the same work. What it must never do: measure something other than a full unpack+pack of the
// given bytes, or report a figure for bytes it cannot round-trip (it fails instead).
//
//	moov-bench -spec ascii|binary -hex HEX [-warmup 2s] [-measure 3s]
//
// Specs: "ascii" is moov's specs.Spec87ASCII with its bitmap declared as the standard 8-byte
// auto-expanding one (see spec87ascii.go). "binary" is the ISO 8583:1987 binary layout of
// jPOS's ISO87BPackager (BCD MTI/numerics/lengths, binary bitmap, PIN/MAC binary) written with moov's own
// field, encoding and prefix parts, because moov ships no such spec (its Spec87Hex is hex text, not BCD).
package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/moov-io/iso8583"
)

type result struct {
	Impl           string  `json:"impl"`
	Spec           string  `json:"spec"`
	OpsPerCPUSec   int64   `json:"ops_per_cpu_sec"`
	OpsPerSec      int64   `json:"ops_per_sec"`
	Ops            int64   `json:"ops"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	Seconds        float64 `json:"seconds"`
	RoundtripExact bool    `json:"roundtrip_exact"`
	Version        string  `json:"version"`
	Sink           int64   `json:"sink"`
}

// moovVersion is the pinned module version (go.mod); kept here so the bench table can say what it measured.
const moovVersion = "v0.24.0"

func main() {
	specName := flag.String("spec", "ascii", "ascii (specs.Spec87ASCII, standard bitmap) or binary (ISO87B layout)")
	hexMsg := flag.String("hex", "", "the message to unpack and pack, as hex")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up time")
	measure := flag.Duration("measure", 3*time.Second, "measured time")
	flag.Parse()

	var spec *iso8583.MessageSpec
	switch *specName {
	case "ascii":
		spec = spec87ASCII
	case "binary":
		spec = spec87Binary
	default:
		fail("spec must be ascii or binary, got %q", *specName)
	}
	raw, err := hex.DecodeString(*hexMsg)
	if err != nil || len(raw) == 0 {
		fail("-hex must be the message as hex: %v", err)
	}

	once, err := roundTrip(spec, raw)
	if err != nil {
		fail("moov cannot round-trip the message: %v", err)
	}
	exact := string(once) == string(raw)

	// Both windows are measured in CPU time of the whole process (as the jPOS and fluxrig loops do), so a
	// busy shared machine slows the run down without changing the figure much.
	var sink int64
	for end := processCPU() + *warmup; processCPU() < end; {
		sink += batch(spec, raw)
	}
	var ops int64
	wallStart := time.Now()
	cpuStart := processCPU()
	cpuEnd := cpuStart + *measure
	cpuNow := cpuStart
	for cpuNow < cpuEnd {
		sink += batch(spec, raw)
		ops += batchSize
		cpuNow = processCPU()
	}
	seconds := time.Since(wallStart).Seconds()
	cpuSeconds := (cpuNow - cpuStart).Seconds()
	out, _ := json.Marshal(result{
		Impl: "moov", Spec: *specName, OpsPerCPUSec: int64(float64(ops) / cpuSeconds), OpsPerSec: int64(float64(ops) / seconds),
		Ops: ops, CPUSeconds: cpuSeconds, Seconds: seconds, RoundtripExact: exact, Version: moovVersion, Sink: sink,
	})
	fmt.Println(string(out))
}

const batchSize = 256

// batch runs batchSize round trips and returns the summed output length (kept so the work is not elided).
func batch(spec *iso8583.MessageSpec, raw []byte) int64 {
	var n int64
	for i := 0; i < batchSize; i++ {
		out, err := roundTrip(spec, raw)
		if err != nil {
			fail("round trip failed during the run: %v", err)
		}
		n += int64(len(out))
	}
	return n
}

func roundTrip(spec *iso8583.MessageSpec, raw []byte) ([]byte, error) {
	msg := iso8583.NewMessage(spec)
	if err := msg.Unpack(raw); err != nil {
		return nil, err
	}
	return msg.Pack()
}

// processCPU is the CPU time (user + system) this process has used so far.
func processCPU() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		fail("getrusage: %v", err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "moov-bench: "+format+"\n", args...)
	os.Exit(1)
}
