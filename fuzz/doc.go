// Package fuzz holds verisim's native Go fuzz targets (in fuzz_test.go) and
// what they share: decoding a fuzz input into a stream and an fd table,
// and the invariants every result must satisfy, checked independently of
// the simulator's own code.
//
// Run every target for a while with ./fuzz/run.sh (see the README).
package fuzz
