package e2e

import "errors"

// ErrUsage means the command line is wrong; the message says which flag
// and what it accepts.
var ErrUsage = errors.New("e2e: bad usage (see -h)")

// ErrImpairSpec means an --impair value does not parse. Write it as
// comma-separated key=value pairs, any subset of
// delay=50ms,loss=1%,rate=10mbit.
var ErrImpairSpec = errors.New("e2e: bad --impair value (want e.g. delay=50ms,loss=1%,rate=10mbit)")

// ErrChild means a host or viewer child process failed, exited early or
// answered something unexpected. Its own error output, shown on stderr,
// says why.
var ErrChild = errors.New("e2e: a child process of the benchmark failed")

// ErrPlatform means the requested screen cannot run on this system: the
// Xvfb mode needs Linux with Xvfb installed (apt-get install xvfb). Use
// --synthetic elsewhere.
var ErrPlatform = errors.New("e2e: the Xvfb screen needs Linux and Xvfb; use --synthetic")
