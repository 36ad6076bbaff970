package main

import (
	"unicode/utf8"

	"github.com/deskhand/deskhand/input"
)

// textEvents splits pasted text into text events of at most
// input.MaxText bytes, cut between characters. The host's injector types
// "\n" as Enter and "\t" as Tab.
func textEvents(s string) []input.Event {
	var out []input.Event
	for len(s) > 0 {
		n := min(len(s), input.MaxText)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		out = append(out, input.Event{Kind: input.TextEvent, Text: s[:n]})
		s = s[n:]
	}
	return out
}
