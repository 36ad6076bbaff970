// Package e2e holds end-to-end tests of the example commands: a signaling
// server, "agent share" on a private Xvfb screen and the headless viewer,
// each a separate process, as a user would run them. It has no code of its
// own.
package e2e
