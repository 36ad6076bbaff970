//go:build race

package codec

// raceEnabled: the race detector makes allocation counts and big-frame loops
// meaningless or slow.
const raceEnabled = true
