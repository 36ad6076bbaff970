package codec

import (
	"reflect"
	"testing"
)

// TestWorkerScratchIsPadded checks that per-worker state kept side by side
// in a slice ends with a cacheLinePad, so that a field added later does not
// go after it and bring back false sharing between workers.
func TestWorkerScratchIsPadded(t *testing.T) {
	for _, v := range []any{jpegDecoder{}} {
		typ := reflect.TypeOf(v)
		last := typ.Field(typ.NumField() - 1)
		if last.Type != reflect.TypeOf(cacheLinePad{}) {
			t.Errorf("%s ends with %s %s, want a cacheLinePad", typ.Name(), last.Name, last.Type)
		}
	}
}
