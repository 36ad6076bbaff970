package codec

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkDecodeListing times Decoder.Decode alone on the recorded
// "listing" scenario of DESKHAND_CORPUS (an xterm replacing a whole 1080p
// screen of small text per update): the browser viewer's worst lossless
// case, whose decode budget is about 14 ms in WebAssembly. The frames are
// encoded once, losslessly with the default options as rdp's host does;
// each op decodes one update (delta), and the key frame that restarts the
// sequence is decoded outside the timer. Besides ns/op (a mean) it reports
// the median update, which is what the viewer's goal is stated in.
//
// Record the scenario with `go run ./bench record --scenario listing --out
// $DESKHAND_CORPUS/listing`. Natively:
//
//	DESKHAND_CORPUS=/path/to/corpus go test -run '^$' -bench DecodeListing ./codec
//
// In WebAssembly (node), where GOMAXPROCS is 1 as in a browser:
//
//	GOOS=js GOARCH=wasm go test -c -o /tmp/codec.wasm ./codec
//	DESKHAND_CORPUS=/work/corpus node $(go env GOROOT)/lib/wasm/wasm_exec_node.js /tmp/codec.wasm \
//		-test.run '^$' -test.bench DecodeListing -test.benchtime 40x
func BenchmarkDecodeListing(b *testing.B) {
	dir := os.Getenv("DESKHAND_CORPUS")
	if dir == "" {
		b.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios with a listing scenario")
	}
	frames := loadCorpus(b, filepath.Join(dir, "listing"))
	if len(frames) < 2 {
		b.Skip("the listing scenario needs at least two frames")
	}
	enc := newBenchEncoder(b)
	check := newBenchDecoder(b)
	var key []byte
	var deltas [][]byte
	for i, fr := range frames {
		msg, err := enc.Encode(nil, fr.Image, false)
		if err != nil {
			b.Fatal(err)
		}
		if len(msg) == 0 {
			continue
		}
		if _, err := check.Decode(msg); err != nil {
			b.Fatal(err)
		}
		if p := psnrFrame(fr, check.Image()); p < 99 {
			b.Fatalf("frame %d decoded at %.1f dB, want exact", i, p)
		}
		if i == 0 {
			key = msg
		} else {
			deltas = append(deltas, msg)
		}
	}
	if len(deltas) == 0 {
		b.Skip("the listing scenario has no updates")
	}
	bytes := 0
	for _, m := range deltas {
		bytes += len(m)
	}

	dec := newBenchDecoder(b)
	restart := func() {
		if _, err := dec.Decode(key); err != nil {
			b.Fatal(err)
		}
	}
	// One pass to allocate the buffers.
	restart()
	for _, m := range deltas {
		if _, err := dec.Decode(m); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(frames[0].Width * frames[0].Height * 4))
	b.ReportAllocs()
	// Preallocated so that ReportAllocs counts the decoder's allocations only.
	times := make([]time.Duration, 0, 1<<14)
	i := 0
	for b.Loop() {
		k := i % len(deltas)
		if k == 0 {
			b.StopTimer()
			restart()
			b.StartTimer()
		}
		t0 := time.Now()
		if _, err := dec.Decode(deltas[k]); err != nil {
			b.Fatal(err)
		}
		if len(times) < cap(times) {
			times = append(times, time.Since(t0))
		}
		i++
	}
	slices.Sort(times)
	b.ReportMetric(float64(bytes)/float64(len(deltas)), "msg-B/update")
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}
