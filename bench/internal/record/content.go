package record

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// sources is this package's own Go code: real source text for the scroll
// scenario, the same in every build of the same commit.
//
//go:embed *.go
var sources embed.FS

// scrollText returns at least lines lines of Go source: this package's
// files, each under a header comment, repeated as often as needed.
func scrollText(lines int) string {
	names, _ := fs.Glob(sources, "*.go")
	sort.Strings(names)
	var b strings.Builder
	n := 0
	for n < lines {
		for _, name := range names {
			body, err := sources.ReadFile(name)
			if err != nil {
				continue
			}
			header := "// ---- bench/internal/record/" + name + " ----\n\n"
			b.WriteString(header)
			b.Write(body)
			b.WriteString("\n")
			n += strings.Count(header, "\n") + strings.Count(string(body), "\n") + 1
		}
		if len(names) == 0 {
			break
		}
	}
	return b.String()
}

type projectFile struct{ name, body string }

// projectFiles is the small project the terminal scenarios work in.
func projectFiles() []projectFile {
	return []projectFile{
		{"go.mod", "module example.com/tiles\n\ngo 1.26\n"},
		{"README.md", `# tiles

Splits a screen into 64x64 tiles and reports which ones changed
between two captures. Used to size the remote desktop's update path.

    go run . before.png after.png
`},
		{"notes.txt", `Tile diff notes
---------------
- full-row compare first, then the 256-byte pieces that differ
- 1080p unchanged frame: ~1.4 ms cold, ~0.6 ms hot
- typing: about 1 KB per keystroke if only changed tiles go
- scrolling: detect moved rows, send a copy instead of pixels
- TODO: damage hints from XDAMAGE are a superset, not exact
- TODO: measure with the real corpus (bench record --scenario all)
`},
		{"main.go", `package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
)

const tile = 64

// load reads a PNG screenshot.
func load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// changed lists the tiles whose pixels differ between a and b.
func changed(a, b image.Image) []image.Rectangle {
	var out []image.Rectangle
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += tile {
		for x := r.Min.X; x < r.Max.X; x += tile {
			t := image.Rect(x, y, x+tile, y+tile).Intersect(r)
			if differs(a, b, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

func differs(a, b image.Image, t image.Rectangle) bool {
	for y := t.Min.Y; y < t.Max.Y; y++ {
		for x := t.Min.X; x < t.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return true
			}
		}
	}
	return false
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tiles before.png after.png")
		os.Exit(2)
	}
	a, err := load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, err := load(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, t := range changed(a, b) {
		fmt.Println(t)
	}
}
`},
		{"main_test.go", `package main

import (
	"image"
	"testing"
)

func TestChangedFindsOneTile(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 128, 128))
	b := image.NewRGBA(image.Rect(0, 0, 128, 128))
	b.Pix[4*(70*128+70)] = 255
	got := changed(a, b)
	if len(got) != 1 || got[0] != image.Rect(64, 64, 128, 128) {
		t.Fatalf("changed = %v", got)
	}
}
`},
		{"Makefile", "all:\n\tgo vet ./...\n\tgo test ./...\n\ncorpus:\n\tgo run ../deskhand/bench record --scenario all --out ../corpus\n"},
	}
}
