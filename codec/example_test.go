package codec_test

import (
	"fmt"
	"image"
	"log"

	"github.com/deskhand/deskhand/codec"
)

// A sender encodes each captured frame; a viewer decodes the messages. Only the
// tiles that changed travel after the first (key) frame.
func Example() {
	enc, err := codec.NewEncoder()
	if err != nil {
		log.Fatal(err)
	}
	defer enc.Close()
	dec, err := codec.NewDecoder()
	if err != nil {
		log.Fatal(err)
	}
	defer dec.Close()

	screen := image.NewRGBA(image.Rect(0, 0, 200, 100)) // stands in for a capture
	frame := codec.Image{Width: 200, Height: 100, Stride: screen.Stride, Format: codec.RGBA, Pix: screen.Pix}

	var msg []byte // reused: steady-state Encode does not allocate
	for i := range 3 {
		screen.Pix[(10*screen.Stride)+i*4] = 255 // a pixel changes in tile 0
		msg, err = enc.Encode(msg[:0], frame, false)
		if err != nil {
			log.Fatal(err)
		}
		u, err := dec.Decode(msg)
		if err != nil {
			// The viewer would now ask the sender for a key frame (enc.Reset()).
			log.Fatal(err)
		}
		fmt.Println(u.Key, u.Seq, u.Rects)
	}
	// Output:
	// true 0 [(0,0)-(200,100)]
	// false 1 [(1,10)-(2,11)]
	// false 2 [(2,10)-(3,11)]
}
