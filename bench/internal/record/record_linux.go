package record

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskhand/deskhand/capture/x11"
	"github.com/deskhand/deskhand/internal/xvfb"
)

const (
	// readyTimeout bounds the wait for a scenario's screen to show what it
	// should before the first frame.
	readyTimeout = 20 * time.Second
	// frameTimeout bounds one capture: a stuck X server gives an error.
	frameTimeout = 10 * time.Second
	frameBytes   = 4 * Width * Height
)

// session is what a scenario's setup works with.
type session struct {
	ctx      context.Context
	log      *slog.Logger
	frames   int
	fps      int
	duration time.Duration // nominal length of the recording
	work     string        // a private temporary directory
	display  string
	procs    *procs
	desk     *desk
}

// driver acts on the screen between frames: it is called after frame i has
// been captured with t, the time of frame i+1 relative to frame 0, and does
// everything the scenario's user does before t. It must not block.
type driver func(t time.Duration) error

// readiness says what the screen must do before the first frame.
type readiness int

const (
	// settled: nothing changes for a while (a program finished drawing).
	settled readiness = iota
	// moving: consecutive frames differ (a video is playing).
	moving
)

func record(ctx context.Context, sp spec, dir string, frames int, o options) (info Info, err error) {
	if err := CheckPrograms(sp.name); err != nil {
		return Info{}, err
	}
	out, err := openOutput(dir)
	if err != nil {
		return Info{}, err
	}
	defer func() {
		if err != nil {
			out.discard(frames)
		}
	}()
	work, err := os.MkdirTemp("", "deskhand-record-")
	if err != nil {
		return Info{}, fmt.Errorf("record: temporary directory: %w", err)
	}
	defer os.RemoveAll(work)

	o.log.Debug("record: starting Xvfb", "scenario", sp.name)
	srv, err := xvfb.Start(ctx, Width, Height)
	if err != nil {
		return Info{}, fmt.Errorf("record: %w", err)
	}
	defer srv.Close()
	d, err := openDesk(ctx, srv.Display)
	if err != nil {
		return Info{}, err
	}
	defer d.close()
	home := filepath.Join(work, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		return Info{}, fmt.Errorf("record: %w", err)
	}
	pr := &procs{log: o.log, env: childEnv(srv.Env(), home), dir: work}
	defer pr.stopAll()

	interval := time.Second / time.Duration(o.fps)
	s := &session{
		ctx: ctx, log: o.log, frames: frames, fps: o.fps,
		duration: time.Duration(frames) * interval,
		work:     work, display: srv.Display, procs: pr, desk: d,
	}
	setupStart := time.Now()
	drive, ready, err := setupScenario(sp.name, s)
	o.log.Debug("record: scenario set up", "scenario", sp.name, "took", time.Since(setupStart))
	if err != nil {
		return Info{}, fmt.Errorf("record: %s: %w", sp.name, err)
	}
	src, err := x11.OpenContext(ctx, srv.Display, x11.WithoutDamage())
	if err != nil {
		return Info{}, fmt.Errorf("record: capture %s: %w", srv.Display, err)
	}
	defer src.Close()
	readyStart := time.Now()
	if err := waitReady(ctx, src, ready, pr); err != nil {
		return Info{}, fmt.Errorf("record: %s: %w", sp.name, err)
	}
	o.log.Debug("record: screen ready", "scenario", sp.name, "took", time.Since(readyStart))

	started := time.Now()
	rec := &recorder{
		name: sp.name, src: src, drive: drive, out: out, frames: frames,
		interval: interval, o: o, stopPrograms: pr.stopAll, busy: sp.busy,
	}
	timing, err := rec.run(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("record: %s: %w", sp.name, err)
	}
	info = Info{
		Scenario: sp.name, Description: sp.desc, Frames: frames,
		Width: Width, Height: Height, FPS: o.fps, Recorded: started.UTC().Round(time.Second),
		Programs: programs(ctx, sp), Timing: timing,
	}
	if err := out.writeInfo(info); err != nil {
		return Info{}, err
	}
	return info, nil
}

// childEnv is the environment of the driven programs: the display, a
// private home, a UTF-8 locale, and no audio device.
func childEnv(env []string, home string) []string {
	var kept []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "LANG", "LC_ALL", "LESS", "LESSOPEN", "LS_COLORS", "PS1", "SDL_AUDIODRIVER", "SDL_RENDER_DRIVER", "XAUTHORITY":
			continue
		}
		kept = append(kept, kv)
	}
	// SDL's default renderer on a display without a GPU is OpenGL through
	// Mesa's software rasteriser, which costs ffplay half a core more than
	// SDL's own software renderer for the same picture.
	return append(kept, "HOME="+home, "LANG=C.UTF-8", "SDL_AUDIODRIVER=dummy", "SDL_RENDER_DRIVER=software")
}

// programs lists what the scenario drove, with package versions when dpkg
// can tell them.
func programs(ctx context.Context, sp spec) []Program {
	var list []Program
	for _, n := range sp.needs {
		list = append(list, Program{Name: n.label, Package: n.pkg, Version: packageVersion(ctx, n.pkg)})
	}
	return list
}

func packageVersion(ctx context.Context, pkg string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// waitReady polls the screen until it is in the state the scenario needs.
func waitReady(ctx context.Context, src *x11.Source, want readiness, pr *procs) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	const poll = 150 * time.Millisecond
	var prev, spare []byte
	same, changed := 0, 0
	for {
		for _, p := range pr.list {
			if p.exited() && p.cmd.ProcessState != nil && !p.cmd.ProcessState.Success() {
				return fmt.Errorf("%w: %s exited (%s): %s", ErrNotReady, p.name, p.cmd.ProcessState, p.out.String())
			}
		}
		f, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
		cur := packFrame(spare, f)
		if prev != nil {
			if bytes.Equal(prev, cur) {
				same, changed = same+1, 0
			} else {
				same, changed = 0, changed+1
			}
		}
		prev, spare = cur, prev
		if (want == settled && same >= 3) || (want == moving && changed >= 3) {
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	what := map[readiness]string{settled: "stop changing", moving: "start moving"}[want]
	var outs []string
	for _, p := range pr.list {
		outs = append(outs, p.name+": "+p.out.String())
	}
	return fmt.Errorf("%w: the screen did not %s within %v (%s)", ErrNotReady, what, readyTimeout, strings.Join(outs, "; "))
}

// recorder captures frames at a steady pace and hands them to the encoders.
type recorder struct {
	name     string
	src      *x11.Source
	drive    driver
	out      *output
	frames   int
	interval time.Duration
	o        options
	// stopPrograms ends the driven programs once the last frame is taken.
	stopPrograms func()
	// busy: the programs on screen need all the CPU they can get.
	busy bool

	written atomic.Int64
}

type job struct {
	index int
	pix   []byte // BGRA, Width*Height*4
}

// run captures r.frames frames and returns once all are written.
func (r *recorder) run(ctx context.Context) (Timing, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	buffers := int(r.o.maxBuffer / frameBytes)
	pool := &bufferPool{max: max(buffers, 2)}
	// Fresh memory costs a page fault per 4 KiB on first write: copying a
	// frame into a new buffer took 15-40 ms instead of 3 while a video
	// played. Every buffer the recording can use is faulted in first.
	if err := pool.prefill(ctx, min(r.frames, pool.max)); err != nil {
		return Timing{}, err
	}
	jobs := make(chan job, pool.max)
	var wg sync.WaitGroup
	startEncoders := func(n int) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.encode(ctx, jobs, pool); err != nil {
					cancel(err)
					for j := range jobs { // the capture stops at its next frame
						pool.put(j.pix)
					}
				}
			}()
		}
	}
	// While capturing, one core is left to the capture loop and the
	// programs on screen: with every core encoding, frames were taken up to
	// two intervals late. A scenario whose program needs every core (video
	// playback) gets them all while the recording fits in the buffers: with
	// one encoder running, ffplay showed only 80% of its frames. The other
	// encoders join when capture ends.
	during := min(r.o.encoders, max(1, runtime.GOMAXPROCS(0)-1))
	if r.busy && r.frames <= pool.max {
		during = 0
	}
	startEncoders(during)
	start := time.Now()
	timing, capErr := r.capture(ctx, start, jobs, pool)
	// The programs on screen are done: they would only take CPU time from
	// the encoders now.
	r.stopPrograms()
	if capErr != nil {
		cancel(capErr) // the encoders drop what is queued
	}
	startEncoders(r.o.encoders - during)
	close(jobs)

	encoded := make(chan struct{})
	go func() {
		wg.Wait()
		close(encoded)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case <-encoded:
			waiting = false
		case <-tick.C:
			r.progress("%s: encoding, %d/%d frames written", r.name, r.written.Load(), r.frames)
		}
	}
	if capErr != nil {
		return Timing{}, capErr
	}
	if err := context.Cause(ctx); err != nil {
		return Timing{}, err
	}
	timing.EncodeSeconds = time.Since(start).Seconds()
	r.progress("%s: %d frames written to %s", r.name, r.frames, r.out.dir)
	return timing, nil
}

// capture takes frame i at start + i*interval (or at once when it is late:
// frames are never skipped, so consecutive files stay consecutive frames).
func (r *recorder) capture(ctx context.Context, start time.Time, jobs chan<- job, pool *bufferPool) (Timing, error) {
	var t Timing
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := 0; i < r.frames; i++ {
		due := start.Add(time.Duration(i) * r.interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return t, context.Cause(ctx)
			case <-timer.C:
			}
		}
		late := time.Since(due)
		if ms := float64(late) / float64(time.Millisecond); ms > t.MaxLateMS {
			t.MaxLateMS = ms
		}
		if late > r.interval/2 {
			t.LateFrames++
			r.o.log.Debug("record: late frame", "scenario", r.name, "frame", i, "late", late)
		}
		t0 := time.Now()
		fctx, fcancel := context.WithTimeout(ctx, frameTimeout)
		f, err := r.src.Next(fctx)
		fcancel()
		t1 := time.Now()
		if err != nil {
			return t, fmt.Errorf("capture frame %d: %w", i, err)
		}
		if f.Width != Width || f.Height != Height {
			return t, fmt.Errorf("capture frame %d: the screen is %dx%d, not %dx%d", i, f.Width, f.Height, Width, Height)
		}
		buf, err := pool.get(ctx)
		if err != nil {
			return t, err
		}
		t2 := time.Now()
		jobs <- job{index: i, pix: packFrame(buf, f)}
		t3 := time.Now()
		if err := r.drive(time.Duration(i+1) * r.interval); err != nil {
			return t, err
		}
		if d := time.Since(t0); d > r.interval/2 {
			r.o.log.Debug("record: slow frame", "frame", i, "next", t1.Sub(t0), "buffer", t2.Sub(t1), "copy", t3.Sub(t2), "drive", time.Since(t3))
		}
		if (i+1)%r.o.fps == 0 || i+1 == r.frames {
			r.progress("%s: %d/%d frames captured, %d written", r.name, i+1, r.frames, r.written.Load())
		}
	}
	t.CaptureSeconds = time.Since(start).Seconds()
	return t, nil
}

func (r *recorder) progress(format string, args ...any) {
	if r.o.progress != nil {
		fmt.Fprintf(r.o.progress, format+"\n", args...)
	}
}

// encode writes the PNG of every job it receives.
func (r *recorder) encode(ctx context.Context, jobs <-chan job, pool *bufferPool) error {
	enc, err := newPNGWriter()
	if err != nil {
		return err
	}
	for j := range jobs {
		if ctx.Err() == nil {
			err = r.out.writeFrame(j.index, enc, j.pix)
		}
		pool.put(j.pix)
		if err != nil {
			return err
		}
		if ctx.Err() == nil {
			r.written.Add(1)
		}
	}
	return nil
}

// bufferPool holds at most max frame buffers: capture takes one per frame
// and waits when all are queued for encoding.
type bufferPool struct {
	mu   sync.Mutex
	free [][]byte
	made int
	max  int
	wake chan struct{}
}

// prefill makes n buffers and writes to every page of them.
func (p *bufferPool) prefill(ctx context.Context, n int) error {
	const page = 4096
	for range n - p.made {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := make([]byte, frameBytes)
		for i := 0; i < len(b); i += page {
			b[i] = 0
		}
		p.made++
		p.free = append(p.free, b)
	}
	return nil
}

func (p *bufferPool) get(ctx context.Context) ([]byte, error) {
	for {
		p.mu.Lock()
		if n := len(p.free); n > 0 {
			b := p.free[n-1]
			p.free = p.free[:n-1]
			p.mu.Unlock()
			return b, nil
		}
		if p.made < p.max {
			p.made++
			p.mu.Unlock()
			return make([]byte, frameBytes), nil
		}
		if p.wake == nil {
			p.wake = make(chan struct{})
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

func (p *bufferPool) put(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, b)
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
}

// output is the corpus directory being written.
type output struct {
	dir     string
	created bool // the directory did not exist before
}

// openOutput accepts a missing or empty directory.
func openOutput(dir string) (*output, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("record: create output directory: %w", err)
		}
		return &output{dir: dir, created: true}, nil
	case err != nil:
		return nil, fmt.Errorf("record: output directory: %w", err)
	case len(entries) > 0:
		return nil, fmt.Errorf("%w: %s", ErrOutputNotEmpty, dir)
	}
	return &output{dir: dir}, nil
}

// writeFrame writes frame i through a temporary name, so that a frame file
// that exists is complete.
func (o *output) writeFrame(i int, enc *pngWriter, bgra []byte) error {
	final := filepath.Join(o.dir, FrameName(i))
	tmp := final + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = enc.encode(bw, bgra, Width, Height, 4*Width)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write frame %s: %w", final, err)
	}
	return nil
}

func (o *output) writeInfo(info Info) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	path := filepath.Join(o.dir, InfoFile)
	if err := os.WriteFile(path+".tmp", append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("record: write %s: %w", path, err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("record: write %s: %w", path, err)
	}
	return nil
}

// discard removes what a failed recording wrote: only files this package
// names, and the directory if it made it.
func (o *output) discard(frames int) {
	for i := 0; i < frames; i++ {
		p := filepath.Join(o.dir, FrameName(i))
		_ = os.Remove(p)
		_ = os.Remove(p + ".tmp")
	}
	_ = os.Remove(filepath.Join(o.dir, InfoFile+".tmp"))
	if o.created {
		_ = os.Remove(o.dir) // only succeeds when empty
	}
}
