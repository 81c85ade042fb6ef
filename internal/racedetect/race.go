//go:build race

// Package racedetect tells tests whether the race detector is on: it slows
// every goroutine several times over, so throughput figures measured under
// it say nothing about the product (correctness assertions still hold).
package racedetect

// Enabled is true when built with -race.
const Enabled = true
