// Package report implements `bench report`: it runs the codec benchmark
// (package codecbench) on every scenario corpus of a directory, or reads
// results saved with `bench codec --json`, and writes a Markdown report with
// the codec and key-frame tables of each scenario, deskhand's goals checked
// against those numbers, and SVG charts made with gonum.org/v1/plot: median
// bytes per frame and median encode time per codec (log scales), per
// scenario and across scenarios.
//
// Import policy: report uses deskhand's engine only through codecbench. It
// must never import rdp, capture, input, signaling, pion or cgo.
package report
