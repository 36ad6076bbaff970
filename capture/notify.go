package capture

// ChangeNotifier is implemented by ChangeWatchers that also say when to ask
// again, so that a caller can sleep through a still screen instead of
// calling Changed on every tick. Discover it with a type assertion on a
// Source.
//
// The loop it allows: call Changed; if it reports true, capture; if false,
// wait for ChangeReady (and whatever else the caller waits for), then call
// Changed again.
type ChangeNotifier interface {
	ChangeWatcher
	// ChangeReady returns a channel, the same one on every call, holding at
	// most one value, sent without blocking whenever Changed may have
	// turned true since the channel was last received from: after Changed
	// reported false, Changed keeps reporting false until a value is
	// there to receive. That includes what Changed reports true for with
	// nothing drawn, such as a safety-net interval expiring.
	//
	// A value is a hint, never a change: several changes may give one
	// value, and a value may be spurious (Changed still reports false),
	// so a receiver must still call Changed. The channel says nothing
	// about a Changed that already reported true. It is never closed: a
	// caller stops waiting on its own context, or when Changed reports an
	// error.
	ChangeReady() <-chan struct{}
}
