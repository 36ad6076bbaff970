package codec

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Realistic test scenes: antialiased text (Go fonts) in terminal and editor
// windows over a wallpaper, the kind of picture a remote desktop sends. Every
// scene is generated from a seed, so tests need no files.

// glyphs is a cache of rendered glyph masks of one face at integer positions.
type glyphs struct {
	ascent, lineH int
	advance       int // of 'm'; exact for the monospace face
	masks         [128]glyphMask
}

type glyphMask struct {
	mask    *image.Alpha // nil for blanks
	off     image.Point  // top-left of mask relative to the pen on the baseline
	advance int
}

var (
	facesOnce        sync.Once
	monoFace, uiFace *glyphs
	facesErr         error
	sceneWordsOnce   sync.Once
	sceneVocabulary  []string
	photoCache       sync.Map // key photoKey -> *image.RGBA
)

func loadFaces() (*glyphs, *glyphs) {
	facesOnce.Do(func() {
		monoFace, facesErr = newGlyphs(gomono.TTF, 14)
		if facesErr == nil {
			uiFace, facesErr = newGlyphs(goregular.TTF, 15)
		}
	})
	if facesErr != nil {
		panic(facesErr)
	}
	return monoFace, uiFace
}

func newGlyphs(ttf []byte, size float64) (*glyphs, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: xfont.HintingFull})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	m := face.Metrics()
	g := &glyphs{ascent: m.Ascent.Ceil(), lineH: m.Height.Ceil() + 2}
	for r := rune(32); r < 127; r++ {
		dr, mask, mp, adv, ok := face.Glyph(fixed.P(0, 0), r)
		gm := glyphMask{advance: adv.Round()}
		if ok && !dr.Empty() {
			a := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
			draw.Draw(a, a.Rect, mask, mp, draw.Src)
			gm.mask, gm.off = a, dr.Min
		}
		g.masks[r] = gm
	}
	g.advance = g.masks['m'].advance
	return g, nil
}

// text draws s with its top-left at (x, y) in colour fg, blended over what is
// there, clipped to clip. It returns the pen's x after the text.
func (g *glyphs) text(dst *image.RGBA, clip image.Rectangle, x, y int, s string, fg color.RGBA) int {
	clip = clip.Intersect(dst.Rect)
	for _, r := range s {
		if r < 32 || r > 126 {
			r = '?'
		}
		gm := &g.masks[r]
		if gm.mask != nil {
			ox, oy := x+gm.off.X, y+g.ascent+gm.off.Y
			b := gm.mask.Rect.Add(image.Pt(ox, oy)).Intersect(clip)
			for py := b.Min.Y; py < b.Max.Y; py++ {
				for px := b.Min.X; px < b.Max.X; px++ {
					a := uint32(gm.mask.Pix[(py-oy)*gm.mask.Stride+(px-ox)])
					if a == 0 {
						continue
					}
					i := dst.PixOffset(px, py)
					p := dst.Pix[i : i+3 : i+3]
					p[0] = byte((uint32(p[0])*(255-a) + uint32(fg.R)*a + 127) / 255)
					p[1] = byte((uint32(p[1])*(255-a) + uint32(fg.G)*a + 127) / 255)
					p[2] = byte((uint32(p[2])*(255-a) + uint32(fg.B)*a + 127) / 255)
				}
			}
		}
		x += gm.advance
	}
	return x
}

// words is a vocabulary of code and prose tokens for generated text.
func words() []string {
	sceneWordsOnce.Do(func() {
		sceneVocabulary = strings.Fields(`func return if else for range err nil := = == != { } ( ) [ ] , ; . 
			ctx context.Context Encoder Decoder image.Rectangle []byte int uint32 tile frame
			the of and to a in is that for it as with was on be by this are or from at
			width height stride pixels message header payload chunk palette copy vector
			fmt.Errorf("%w: %d", len(p) make(append( 0 1 2 64 255 0xFF // TODO: x y w h
			ssh user@host ls -la total drwxr-xr-x 4096 Jan 12 10:42 main.go README.md
			server client request response handler http.StatusOK json.Marshal log.Println`)
	})
	return sceneVocabulary
}

// codeLine returns a random line of code-like text that fits in chars.
func codeLine(rng *rand.Rand, chars int) string {
	w := words()
	var sb strings.Builder
	indent := rng.IntN(4)
	sb.WriteString(strings.Repeat("    ", indent))
	target := rng.IntN(max(1, chars-indent*4))
	if rng.IntN(8) == 0 {
		return ""
	}
	for sb.Len() < target {
		word := w[rng.IntN(len(w))]
		if sb.Len()+len(word)+1 > chars {
			break
		}
		sb.WriteString(word)
		sb.WriteByte(' ')
	}
	return strings.TrimRight(sb.String(), " ")
}

func fillRect(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// wallpaper is a soft diagonal gradient with a little texture, like a
// desktop background.
func wallpaper(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 99))
	r0, g0, b0 := 40+rng.Float64()*60, 60+rng.Float64()*60, 100+rng.Float64()*80
	for y := range h {
		for x := range w {
			t := (float64(x)/float64(w) + float64(y)/float64(h)) / 2
			i := img.PixOffset(x, y)
			img.Pix[i] = byte(r0 + 80*t)
			img.Pix[i+1] = byte(g0 + 40*t)
			img.Pix[i+2] = byte(b0 - 50*t)
			img.Pix[i+3] = 255
		}
	}
	return img
}

// window draws a window frame with a title and returns its client area.
func window(dst *image.RGBA, r image.Rectangle, title string, bg color.RGBA) image.Rectangle {
	_, ui := loadFaces()
	fillRect(dst, r, color.RGBA{60, 60, 64, 255})
	bar := image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+30)
	fillRect(dst, bar.Inset(1), color.RGBA{235, 235, 235, 255})
	ui.text(dst, bar, r.Min.X+12, r.Min.Y+7, title, color.RGBA{30, 30, 30, 255})
	client := image.Rect(r.Min.X+1, bar.Max.Y, r.Max.X-1, r.Max.Y-1)
	fillRect(dst, client, bg)
	return client
}

var (
	termBG = color.RGBA{30, 30, 36, 255}
	termFG = color.RGBA{220, 220, 210, 255}
	editBG = color.RGBA{255, 255, 255, 255}
)

// document renders lines of text on bg, lineH apart, width w: a tall picture
// that scrolling views slide over.
func document(rng *rand.Rand, g *glyphs, w, lines int, bg, fg color.RGBA, colourful bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, lines*g.lineH))
	fillRect(img, img.Rect, bg)
	palette := []color.RGBA{fg, {160, 30, 160, 255}, {0, 110, 40, 255}, {20, 60, 200, 255}, {170, 80, 0, 255}}
	for i := range lines {
		line := codeLine(rng, (w-16)/g.advance)
		x := 8
		for _, word := range strings.SplitAfter(line, " ") {
			c := fg
			if colourful && rng.IntN(4) == 0 {
				c = palette[rng.IntN(len(palette))]
			}
			x = g.text(img, img.Rect, x, i*g.lineH, word, c)
		}
	}
	return img
}

// desktop is a 1080p-like screen: wallpaper, top bar, a terminal on the left
// and an editor on the right, both full of text.
type desktop struct {
	w, h     int
	rng      *rand.Rand
	wall     *image.RGBA
	img      *image.RGBA // the current picture
	base     *image.RGBA // the picture without the editor window
	editWin  *image.RGBA // the editor window, frame and text
	editAt   image.Point // its top-left corner
	term     image.Rectangle
	edit     image.Rectangle
	termDoc  *image.RGBA
	editDoc  *image.RGBA
	termLine int // first document line shown in the terminal
}

func newDesktop(w, h int, seed uint64) *desktop {
	mono, ui := loadFaces()
	d := &desktop{w: w, h: h, rng: rand.New(rand.NewPCG(seed, 7))}
	d.wall = wallpaper(w, h, seed)
	d.img = image.NewRGBA(d.wall.Rect)
	copy(d.img.Pix, d.wall.Pix)
	fillRect(d.img, image.Rect(0, 0, w, 28), color.RGBA{20, 20, 20, 255})
	ui.text(d.img, d.img.Rect, w/2-40, 5, "Tue 10:42", color.RGBA{240, 240, 240, 255})
	ui.text(d.img, d.img.Rect, 12, 5, "Activities", color.RGBA{240, 240, 240, 255})
	d.term = window(d.img, image.Rect(w/40, 28+h/30, w/2-w/80, h-h/20), "user@host: ~/deskhand", termBG)
	d.termDoc = document(d.rng, mono, d.term.Dx(), 400, termBG, termFG, false)
	d.showTerm(0)
	d.base = image.NewRGBA(d.img.Rect)
	copy(d.base.Pix, d.img.Pix)
	er := image.Rect(w/2+w/80, 28+h/16, w-w/40, h-h/12)
	d.edit = window(d.img, er, "encoder.go - Editor", editBG)
	d.editDoc = document(d.rng, ui, d.edit.Dx(), 200, editBG, color.RGBA{20, 20, 20, 255}, true)
	draw.Draw(d.img, d.edit, d.editDoc, image.Point{}, draw.Src)
	d.editWin = image.NewRGBA(image.Rect(0, 0, er.Dx(), er.Dy()))
	draw.Draw(d.editWin, d.editWin.Rect, d.img, er.Min, draw.Src)
	d.editAt = er.Min
	return d
}

// moveEdit drags the editor window by (dx, dy) over the rest of the desktop
// and returns the region that changed.
func (d *desktop) moveEdit(dx, dy int) image.Rectangle {
	old := d.editWin.Rect.Add(d.editAt)
	d.editAt = d.editAt.Add(image.Pt(dx, dy))
	now := d.editWin.Rect.Add(d.editAt)
	draw.Draw(d.img, old, d.base, old.Min, draw.Src)
	draw.Draw(d.img, now, d.editWin, image.Point{}, draw.Src)
	d.edit = d.edit.Add(image.Pt(dx, dy))
	return old.Union(now).Intersect(d.img.Rect)
}

// showTerm shows the terminal document scrolled by px pixels.
func (d *desktop) showTerm(px int) {
	draw.Draw(d.img, d.term, d.termDoc, image.Pt(0, px%(d.termDoc.Rect.Dy()-d.term.Dy())), draw.Src)
	if d.base != nil {
		draw.Draw(d.base, d.term, d.termDoc, image.Pt(0, px%(d.termDoc.Rect.Dy()-d.term.Dy())), draw.Src)
		// The editor may overlap the terminal.
		draw.Draw(d.img, d.editWin.Rect.Add(d.editAt), d.editWin, image.Point{}, draw.Src)
	}
}

// typeAt draws one more character of a line being typed in the terminal.
func (d *desktop) typeAt(i int) image.Rectangle {
	mono, _ := loadFaces()
	cols := (d.term.Dx() - 16) / mono.advance
	x := d.term.Min.X + 8 + (i%cols)*mono.advance
	y := d.term.Min.Y + d.term.Dy()/2 + (i/cols%4)*mono.lineH
	r := image.Rect(x, y, x+mono.advance, y+mono.lineH)
	fillRect(d.img, r, termBG)
	w := words()
	word := w[i%len(w)]
	mono.text(d.img, d.term, x, y, word[:1], termFG)
	// The block cursor moves on.
	fillRect(d.img, r.Add(image.Pt(mono.advance, 0)), termFG)
	return r.Union(r.Add(image.Pt(mono.advance, 0)))
}

// lineHeight is the terminal's line height: one scroll step.
func (d *desktop) lineHeight() int {
	mono, _ := loadFaces()
	return mono.lineH
}

// toFrame converts an RGBA picture into a test frame of format pf.
func toFrame(img *image.RGBA, pf PixelFormat) *frame {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	fr := newFrame(w, h, pf, 0)
	fr.setFrom(img)
	return fr
}

// setFrom copies img (same size) into fr.
func (fr *frame) setFrom(img *image.RGBA) {
	for y := range fr.Height {
		src := img.Pix[y*img.Stride : y*img.Stride+fr.Width*4]
		dst := fr.Pix[y*fr.Stride : y*fr.Stride+fr.Width*4]
		if fr.Format == RGBA {
			copy(dst, src)
			continue
		}
		for x := 0; x < len(src); x += 4 {
			dst[x], dst[x+1], dst[x+2], dst[x+3] = src[x+2], src[x+1], src[x], 255
		}
	}
}

// photo is a procedural natural-looking picture: value noise with a 1/f
// spectrum in correlated colour channels, a few soft-edged shapes and a little
// sensor noise. JPEG-like codecs see it as they see a photograph.
func photo(w, h int, seed uint64) *image.RGBA {
	type photoKey struct {
		w, h int
		seed uint64
	}
	if v, ok := photoCache.Load(photoKey{w, h, seed}); ok {
		return v.(*image.RGBA)
	}
	rng := rand.New(rand.NewPCG(seed, 1234))
	lum := make([]float64, w*h)
	chroma := make([]float64, w*h)
	amp := 1.0
	for cell := 256; cell >= 2; cell /= 2 {
		gw, gh := w/cell+2, h/cell+2
		gl := make([]float64, gw*gh)
		gc := make([]float64, gw*gh)
		for i := range gl {
			gl[i] = rng.Float64()*2 - 1
			gc[i] = rng.Float64()*2 - 1
		}
		for y := range h {
			fy := float64(y) / float64(cell)
			y0 := int(fy)
			ty := fy - float64(y0)
			ty = ty * ty * (3 - 2*ty)
			for x := range w {
				fx := float64(x) / float64(cell)
				x0 := int(fx)
				tx := fx - float64(x0)
				tx = tx * tx * (3 - 2*tx)
				i := y0*gw + x0
				l := (gl[i]*(1-tx)+gl[i+1]*tx)*(1-ty) + (gl[i+gw]*(1-tx)+gl[i+gw+1]*tx)*ty
				c := (gc[i]*(1-tx)+gc[i+1]*tx)*(1-ty) + (gc[i+gw]*(1-tx)+gc[i+gw+1]*tx)*ty
				lum[y*w+x] += l * amp
				chroma[y*w+x] += c * amp * 0.6
			}
		}
		amp *= 0.66
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// A few soft discs: foreground objects with edges.
	type disc struct{ x, y, r, l float64 }
	discs := make([]disc, 6)
	for i := range discs {
		discs[i] = disc{rng.Float64() * float64(w), rng.Float64() * float64(h), 20 + rng.Float64()*float64(min(w, h))/4, rng.Float64()*1.2 - 0.6}
	}
	for y := range h {
		for x := range w {
			l, c := lum[y*w+x], chroma[y*w+x]
			for _, d := range discs {
				dist := math.Hypot(float64(x)-d.x, float64(y)-d.y)
				if dist < d.r {
					l += d.l * math.Min(1, (d.r-dist)/3)
				}
			}
			base := 128 + 70*l
			n := rng.NormFloat64() * 1.5 // sensor noise, in luma
			i := img.PixOffset(x, y)
			img.Pix[i] = clamp8(base + 40*c + n)
			img.Pix[i+1] = clamp8(base - 10*c + n)
			img.Pix[i+2] = clamp8(base - 45*c + 20*l + n)
			img.Pix[i+3] = 255
		}
	}
	photoCache.Store(photoKey{w, h, seed}, img)
	return img
}

func clamp8(v float64) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v + 0.5)
}
