package record

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Paths of the data files the scenarios show. They come from Debian
// packages, so every machine set up by scripts/setup records the same
// pictures.
const (
	fontFile    = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
	photoDir    = "/usr/share/backgrounds/mate/nature"
	figureDir   = "/usr/share/help/C/gnome-help/figures"
	wallpaper   = photoDir + "/Storm.jpg"
	dragPhoto   = photoDir + "/Dune.jpg"
	videoPhoto  = photoDir + "/RainDrops.jpg"
	firstFigure = figureDir + "/shell-appts.png"
)

// need is one program or data file a scenario cannot do without.
type need struct {
	label string // what it is, for Info and messages
	bin   string // an executable looked up in PATH, or
	file  string // a file that must exist
	pkg   string // the Debian package that ships it
}

// spec describes a scenario independently of the platform that records it.
type spec struct {
	name   string
	desc   string
	frames int
	needs  []need
	// busy marks a scenario whose program needs every core to show its
	// content faithfully: frames are encoded after the capture when they
	// fit in the buffers.
	busy bool
}

// specs lists the scenarios in the order "all" records them.
func specs() []spec {
	// Locals, not package variables: nothing can change them between calls.
	var (
		needXvfb    = need{label: "Xvfb", bin: "Xvfb", pkg: "xvfb"}
		needXterm   = need{label: "xterm", bin: "xterm", pkg: "xterm"}
		needBash    = need{label: "bash", bin: "bash", pkg: "bash"}
		needLess    = need{label: "less", bin: "less", pkg: "less"}
		needFeh     = need{label: "feh", bin: "feh", pkg: "feh"}
		needFfmpeg  = need{label: "ffmpeg", bin: "ffmpeg", pkg: "ffmpeg"}
		needFfplay  = need{label: "ffplay", bin: "ffplay", pkg: "ffmpeg"}
		needFont    = need{label: "DejaVu Sans Mono font", file: fontFile, pkg: "fonts-dejavu-core"}
		needPhotos  = need{label: "MATE nature photos", file: videoPhoto, pkg: "mate-backgrounds"}
		needFigures = need{label: "GNOME help screenshots", file: firstFigure, pkg: "gnome-user-docs"}
	)
	return []spec{
		{
			name:   "typing",
			desc:   "a dark 100x35 xterm over a photo wallpaper; a shell session typed at 10-15 characters a second (ls, cat, grep, head)",
			frames: 150,
			needs:  []need{needXvfb, needXterm, needBash, needFeh, needFont, needPhotos},
		},
		{
			name:   "scroll",
			desc:   "Go source in less in a full-screen xterm, scrolled one line per key (held Down) and three lines per wheel-like burst",
			frames: 150,
			needs:  []need{needXvfb, needXterm, needLess, needFont},
		},
		{
			name:   "drag",
			desc:   "a 100x35 xterm full of text moved smoothly across a photo wallpaper, with short pauses, as a window drag",
			frames: 120,
			needs:  []need{needXvfb, needXterm, needBash, needFeh, needFont, needPhotos},
		},
		{
			name:   "photos",
			desc:   "feh full screen: a contact sheet of photos, then photos and GNOME screenshots, switching about once a second",
			frames: 150,
			needs:  []need{needXvfb, needFeh, needPhotos, needFigures},
		},
		{
			name:   "listing",
			desc:   "a terminal filling the screen, its text rewritten from the top ten times a second with a shuffled ls -l listing: every update replaces a screen of small text (the browser viewer's hardest lossless case, as bench web measures it)",
			frames: 90,
			needs:  []need{needXvfb, needXterm, needFont},
		},
		{
			name:   "video",
			desc:   "ffplay full screen playing a 30 fps H.264 clip that pans across a photo (camera motion over photographic texture)",
			frames: 120,
			needs:  []need{needXvfb, needFfmpeg, needFfplay, needPhotos},
			busy:   true,
		},
	}
}

// AllScenarios is the scenario name Run accepts to record every scenario,
// each into DIR/<scenario>.
const AllScenarios = "all"

// Scenarios returns the names of the scenarios, in the order "all" records
// them.
func Scenarios() []string {
	var names []string
	for _, s := range specs() {
		names = append(names, s.name)
	}
	return names
}

func lookup(name string) (spec, error) {
	for _, s := range specs() {
		if s.name == name {
			return s, nil
		}
	}
	return spec{}, fmt.Errorf("%w: %q", ErrUnknownScenario, name)
}

// DefaultFrames returns how many frames a scenario records unless told
// otherwise.
func DefaultFrames(scenario string) (int, error) {
	s, err := lookup(scenario)
	return s.frames, err
}

// Describe returns one sentence saying what a scenario shows.
func Describe(scenario string) (string, error) {
	s, err := lookup(scenario)
	return s.desc, err
}

// CheckPrograms reports whether everything a scenario drives is installed.
// The error (ErrMissingProgram) is one line naming what is missing and the
// Debian packages to install.
func CheckPrograms(scenario string) error {
	s, err := lookup(scenario)
	if err != nil {
		return err
	}
	return checkNeeds(scenario, s.needs)
}

func checkNeeds(scenario string, needs []need) error {
	var labels, pkgs []string
	for _, n := range needs {
		if n.present() {
			continue
		}
		labels = append(labels, n.label)
		if !contains(pkgs, n.pkg) {
			pkgs = append(pkgs, n.pkg)
		}
	}
	if len(labels) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s needs %s: apt-get install %s",
		ErrMissingProgram, scenario, strings.Join(labels, ", "), strings.Join(pkgs, " "))
}

func (n need) present() bool {
	if n.bin != "" {
		_, err := exec.LookPath(n.bin)
		return err == nil
	}
	st, err := os.Stat(filepath.Clean(n.file))
	return err == nil && st.Mode().IsRegular()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
