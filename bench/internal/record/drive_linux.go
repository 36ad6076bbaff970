package record

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jezek/xgb/xproto"
)

const (
	// windowTimeout bounds the wait for a started program's window.
	windowTimeout = 15 * time.Second
	// toolTimeout bounds one-shot helpers (feh --bg-fill, ffmpeg).
	toolTimeout = 2 * time.Minute
	// xtermFont is a real anti-aliased font, as desktop terminals use.
	xtermFontSize = "12"
)

func setupScenario(name string, s *session) (driver, readiness, error) {
	switch name {
	case "typing":
		return setupTyping(s)
	case "scroll":
		return setupScroll(s)
	case "drag":
		return setupDrag(s)
	case "photos":
		return setupPhotos(s)
	case "listing":
		return setupListing(s)
	case "video":
		return setupVideo(s)
	}
	return nil, 0, fmt.Errorf("%w: %q", ErrUnknownScenario, name)
}

// event is one action at a time relative to frame 0.
type event struct {
	at time.Duration
	do func() error
}

// timeline runs events in time order as the recording advances.
type timeline struct {
	events []event
	next   int
}

func (tl *timeline) add(at time.Duration, do func() error) {
	tl.events = append(tl.events, event{at: at, do: do})
}

func (tl *timeline) drive(t time.Duration) error {
	for tl.next < len(tl.events) && tl.events[tl.next].at < t {
		if err := tl.events[tl.next].do(); err != nil {
			return err
		}
		tl.next++
	}
	return nil
}

// setWallpaper fills the root window with a photo, as a desktop's
// wallpaper. feh exits at once; the pixmap stays with the server.
func (s *session) setWallpaper(photo string) error {
	return s.procs.run(s.ctx, toolTimeout, "feh", "--no-fehbg", "--bg-fill", photo)
}

// xterm starts an xterm whose WM_CLASS instance is name and waits for its
// window.
func (s *session) xterm(name, geometry string, dark bool, command ...string) (xproto.Window, error) {
	args := []string{"-name", name, "-fa", "Monospace", "-fs", xtermFontSize, "-geometry", geometry}
	if dark {
		args = append(args, "-bg", "#1e1e1e", "-fg", "#d4d4d4", "-cr", "#d4d4d4")
	}
	args = append(args, "-e")
	args = append(args, command...)
	if _, err := s.procs.start("xterm", args...); err != nil {
		return 0, err
	}
	return s.desk.findWindow(s.ctx, name, windowTimeout)
}

// writeProject makes the small Go project the terminal scenarios show, with
// fixed modification times so that ls -l prints the same every run.
func (s *session) writeProject() (string, error) {
	dir := filepath.Join(s.work, "home", "project")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	when := time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC)
	for i, f := range projectFiles() {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.body), 0o644); err != nil {
			return "", err
		}
		mt := when.Add(time.Duration(i) * 17 * time.Minute)
		if err := os.Chtimes(p, mt, mt); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// writeRC writes a bash startup file: a coloured Debian-like prompt,
// coloured ls and grep, no history file, then the given commands.
func (s *session) writeRC(name string, commands ...string) (string, error) {
	rc := strings.Join(append([]string{
		`PS1='\[\e[1;32m\]dev@deskhand\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]$ '`,
		`alias ls='ls --color=auto'`,
		`alias grep='grep --color=auto'`,
		`unset HISTFILE`,
		`cd ~/project`,
	}, commands...), "\n") + "\n"
	p := filepath.Join(s.work, name)
	return p, os.WriteFile(p, []byte(rc), 0o644)
}

// setupTyping: a terminal on a desktop, and someone typing commands into it.
func setupTyping(s *session) (driver, readiness, error) {
	if _, err := s.writeProject(); err != nil {
		return nil, 0, err
	}
	rc, err := s.writeRC("typing.rc")
	if err != nil {
		return nil, 0, err
	}
	if err := s.setWallpaper(wallpaper); err != nil {
		return nil, 0, err
	}
	w, err := s.xterm("deskhand-typing", "100x35+260+140", true, "bash", "--rcfile", rc, "-i")
	if err != nil {
		return nil, 0, err
	}
	if err := s.desk.focus(w); err != nil {
		return nil, 0, err
	}
	tl := &timeline{}
	scheduleTyping(tl, s.duration, s.desk.typeRune)
	return tl.drive, settled, nil
}

// typingScript is what the user types; it starts over after "clear".
func typingScript() []string {
	return []string{
		"ls -l\n",
		"cat notes.txt\n",
		"grep -n func main.go\n",
		"head -n 12 main.go\n",
		"wc -l *.go *.md\n",
		"clear\n",
	}
}

// scheduleTyping types the script at human speed: 10-15 characters a
// second with uneven gaps, a little longer after a word, an occasional
// hesitation, and a pause to read each command's output.
func scheduleTyping(tl *timeline, until time.Duration, typeRune func(rune) error) {
	rng := rand.New(rand.NewPCG(1, 2))
	at := 400 * time.Millisecond
	for {
		for _, cmd := range typingScript() {
			for _, r := range cmd {
				if at >= until {
					return
				}
				tl.add(at, func() error { return typeRune(r) })
				gap := time.Duration(40+rng.IntN(45)) * time.Millisecond
				if r == ' ' {
					gap += 40 * time.Millisecond
				}
				if rng.IntN(14) == 0 {
					gap += time.Duration(200+rng.IntN(300)) * time.Millisecond
				}
				if r == '\n' {
					gap = time.Duration(900+rng.IntN(700)) * time.Millisecond
				}
				at += gap
			}
		}
	}
}

// setupScroll: reading a long source file in less, scrolling down.
func setupScroll(s *session) (driver, readiness, error) {
	// Scrolling covers at most a line per 33 ms; the file outlasts that.
	lines := int(s.duration/(33*time.Millisecond)) + 200
	text := filepath.Join(s.work, "deskhand_source.go")
	if err := os.WriteFile(text, []byte(scrollText(lines)), 0o644); err != nil {
		return nil, 0, err
	}
	w, err := s.xterm("deskhand-scroll", "200x60+0+0", false, "less", text)
	if err != nil {
		return nil, 0, err
	}
	// Full screen, as a maximised terminal without a title bar.
	if err := s.desk.place(w, 0, 0, Width, Height); err != nil {
		return nil, 0, err
	}
	if err := s.desk.focus(w); err != nil {
		return nil, 0, err
	}
	tl := &timeline{}
	down := func() error { return s.desk.tap(keysymDown) }
	for at := 300 * time.Millisecond; at < s.duration; {
		// Down held: the key repeats at 30 Hz, a line each time.
		for end := at + 2*time.Second; at < end; at += 33 * time.Millisecond {
			tl.add(at, down)
		}
		at += 600 * time.Millisecond
		// Wheel-like: three lines at once, eight notches a second.
		for end := at + 1500*time.Millisecond; at < end; at += 125 * time.Millisecond {
			for range 3 {
				tl.add(at, down)
			}
		}
		at += 400 * time.Millisecond
	}
	return tl.drive, settled, nil
}

// setupDrag: a terminal window dragged around over a photo wallpaper.
func setupDrag(s *session) (driver, readiness, error) {
	if _, err := s.writeProject(); err != nil {
		return nil, 0, err
	}
	rc, err := s.writeRC("drag.rc", "ls -l", "head -n 26 main.go")
	if err != nil {
		return nil, 0, err
	}
	if err := s.setWallpaper(dragPhoto); err != nil {
		return nil, 0, err
	}
	w, err := s.xterm("deskhand-drag", "100x35+100+90", true, "bash", "--rcfile", rc, "-i")
	if err != nil {
		return nil, 0, err
	}
	geo, err := xproto.GetGeometry(s.desk.conn, xproto.Drawable(w)).Reply()
	if err != nil {
		return nil, 0, fmt.Errorf("record: window geometry: %w", err)
	}
	path := newDragPath(Width-int(geo.Width), Height-int(geo.Height))
	return func(t time.Duration) error {
		x, y := path.at(t)
		s.desk.move(w, x, y)
		return nil
	}, settled, nil
}

// dragPath is a hand's drag: eased moves between points, short pauses.
type dragPath struct {
	points     [][2]float64 // window positions in pixels
	move, hold time.Duration
}

func newDragPath(freeX, freeY int) dragPath {
	// Positions as fractions of the room the window has on the screen.
	frac := [][2]float64{{0.05, 0.08}, {0.8, 0.6}, {0.3, 0.95}, {0.95, 0.1}, {0.5, 0.45}, {0.1, 0.8}}
	p := dragPath{move: 1100 * time.Millisecond, hold: 300 * time.Millisecond}
	for _, f := range frac {
		p.points = append(p.points, [2]float64{f[0] * float64(freeX), f[1] * float64(freeY)})
	}
	return p
}

// at returns the window position at time t after frame 0.
func (p dragPath) at(t time.Duration) (int, int) {
	const start = 300 * time.Millisecond
	if t < start {
		t = 0
	} else {
		t -= start
	}
	seg := p.move + p.hold
	n := len(p.points)
	i := int(t/seg) % n
	from, to := p.points[i], p.points[(i+1)%n]
	u := math.Min(1, float64(t%seg)/float64(p.move))
	if t == 0 {
		u = 0
	}
	e := u * u * (3 - 2*u) // smoothstep: accelerate, then slow down
	return int(math.Round(from[0] + (to[0]-from[0])*e)), int(math.Round(from[1] + (to[1]-from[1])*e))
}

// setupPhotos: a photo viewer full screen, a contact sheet first, then
// photos and screenshots one after another.
func setupPhotos(s *session) (driver, readiness, error) {
	photos, err := filepath.Glob(filepath.Join(photoDir, "*.jpg"))
	if err != nil || len(photos) == 0 {
		return nil, 0, fmt.Errorf("%w: no photos in %s: apt-get install mate-backgrounds", ErrMissingProgram, photoDir)
	}
	sheet := filepath.Join(s.work, "contact-sheet.png")
	err = s.procs.run(s.ctx, toolTimeout, "feh", append([]string{"--montage", "--thumb-width", "480",
		"--thumb-height", "300", "--limit-width", "1920", "--output-only", sheet}, photos...)...)
	if err != nil {
		return nil, 0, err
	}
	figures := []string{"shell-appts.png", "screenshot-tool.png", "color-display.png",
		"shell-workspaces.png", "shell-appmenu-shell.png", "nautilus-icons.png", "color-camera.png",
		"shell-exit-expanded.png"}
	list := []string{sheet}
	for i, p := range photos {
		list = append(list, p)
		if fig := filepath.Join(figureDir, figures[i%len(figures)]); fileExists(fig) {
			list = append(list, fig)
		}
	}
	args := append([]string{"--fullscreen", "--hide-pointer", "--image-bg", "black", "--class", "deskhand-photos"}, list...)
	if _, err := s.procs.start("feh", args...); err != nil {
		return nil, 0, err
	}
	w, err := s.desk.findWindow(s.ctx, "deskhand-photos", windowTimeout)
	if err != nil {
		return nil, 0, err
	}
	if err := s.desk.focus(w); err != nil {
		return nil, 0, err
	}
	tl := &timeline{}
	next := func() error { return s.desk.tap(keysymRight) }
	for at := 1200 * time.Millisecond; at < s.duration; at += 900 * time.Millisecond {
		tl.add(at, next)
	}
	return tl.drive, settled, nil
}

// setupListing: a terminal larger than the screen whose whole text is
// written over from the top left ten times a second, each line erased to
// its end, so that every update replaces text with text (never a cleared
// screen, and never a scroll: the terminal has more rows than the listing
// has lines). The loop waits for the recording to begin.
func setupListing(s *session) (driver, readiness, error) {
	start := filepath.Join(s.work, "listing.start")
	script := filepath.Join(s.work, "listing.sh")
	body := "while [ ! -e '" + start + "' ]; do sleep 0.05; done\n" +
		"while :; do printf '\\033[H'; ls -l /usr/bin /usr/lib | shuf | paste -d' ' - - - | head -n 150 | sed 's/$/\\x1b[K/'; sleep 0.1; done\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		return nil, 0, err
	}
	if _, err := s.xterm("deskhand-listing", "400x200+0+0", false, "sh", script); err != nil {
		return nil, 0, err
	}
	tl := &timeline{}
	tl.add(200*time.Millisecond, func() error { return os.WriteFile(start, nil, 0o644) })
	return tl.drive, settled, nil
}

// setupVideo: a clip played full screen. The clip is made from a photo by
// a slow camera pan, so every frame moves and has photographic texture.
func setupVideo(s *session) (driver, readiness, error) {
	// A second longer than the recording, so that it never loops while
	// recorded unless the recording is long; ffplay loops it then.
	seconds := math.Min(12, math.Max(2, s.duration.Seconds()+1))
	clip := filepath.Join(s.work, "clip.mp4")
	pan := fmt.Sprintf("scale=2560:-2,crop=%d:%d:x='(in_w-out_w)*(0.5-0.5*cos(PI*t/%.2f))':y='(in_h-out_h)*(0.5+0.4*sin(2*PI*t/%.2f))',format=yuv420p",
		Width, Height, seconds, seconds)
	err := s.procs.run(s.ctx, toolTimeout, "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
		"-loop", "1", "-framerate", "30", "-i", videoPhoto, "-vf", pan, "-t", fmt.Sprintf("%.2f", seconds),
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", clip)
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.procs.start("ffplay", "-fs", "-an", "-loop", "0", "-loglevel", "error", clip); err != nil {
		return nil, 0, err
	}
	if _, err := s.desk.findWindow(s.ctx, "ffplay", windowTimeout); err != nil {
		return nil, 0, err
	}
	return func(time.Duration) error { return nil }, moving, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
